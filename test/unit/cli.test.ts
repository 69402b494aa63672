// The built CLI (dist/cli.js, what `swarm-lens` runs), as a person or a tool calls it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fixture, repoRoot } from '../fixtures';

const CLI = path.join(repoRoot, 'dist', 'cli.js');
const fixtures = path.join(repoRoot, 'test', 'fixtures');

function cli(args: string[], input?: string) {
  assert.ok(fs.existsSync(CLI), 'dist/cli.js is built (npm run build)');
  const run = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', env: { ...process.env, DOCKER_HOST: 'unix:///nonexistent/docker.sock' }, timeout: 30000 });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

test('explain --json on a mixed bug report: the contract, field by field', () => {
  const r = cli(['explain', '--json', path.join(fixtures, 'parse', 'bug-report-mixed.md')]);
  assert.equal(r.code, 0, r.err);
  const got = JSON.parse(r.out);
  assert.deepEqual(Object.keys(got), ['marks', 'ipvs', 'vips', 'skippedLines', 'dns', 'nat', 'ports', 'lb', 'warnings', 'hosts', 'addresses']);
  assert.deepEqual(got, JSON.parse(fixture('parse/bug-report-mixed.explain.json')));
  for (const m of got.marks) assert.deepEqual(Object.keys(m), ['mark', 'hex', 'table', 'chain', 'destination', 'protocol', 'port']);
  for (const s of got.ipvs) {
    assert.deepEqual(Object.keys(s), ['protocol', 'fwmark', 'address', 'port', 'scheduler', 'backends']);
    for (const b of s.backends) assert.deepEqual(Object.keys(b), ['address', 'host', 'port', 'forward', 'weight', 'activeConnections', 'inactiveConnections']);
  }
});

test('explain reads standard input, and each real format on its own', () => {
  for (const file of ['lb-sandbox-iptables-save-counters.txt', 'ipvsadm-Ln-mixed.txt', 'ipvsadm-S-n.txt', 'proc-net-ip_vs.txt', 'task-sandbox-pre1806-mangle-nvL-ipvsadm-names.txt']) {
    const r = cli(['explain', '--json', '-'], fixture(`parse/${file}`));
    assert.equal(r.code, 0, `${file}: ${r.err}`);
    const got = JSON.parse(r.out);
    assert.ok(got.marks.length + got.ipvs.length > 0, file);
    for (const m of got.marks) assert.equal(m.hex, '0x' + m.mark.toString(16));
  }
});

test('explain reads ip addr and ip -o -4 addr on their own (they were refused with exit 2)', () => {
  for (const text of [fixture('parse/explain-ip-addr.txt').slice(fixture('parse/explain-ip-addr.txt').indexOf('ip addr\n')), fixture('parse/explain-ip-o-addr.txt').split('\n').slice(4, 8).join('\n')]) {
    const r = cli(['explain', '--json', '-'], text);
    assert.equal(r.code, 0, r.err);
    const got = JSON.parse(r.out);
    assert.ok(got.addresses.some((a: { interface: string; prefix: number }) => a.interface === 'eth0' && a.prefix === 32), r.out);
    assert.match(cli(['explain', '-'], text).out, /Interface eth0: 10\.0\.\d\.4\/24; \/32 aliases 10\.0\.\d\.\d/);
  }
});

test('explain joins a pre-18.06 task sandbox: OUTPUT marks to FWM pools of resolved names', () => {
  const got = JSON.parse(cli(['explain', '--json', path.join(fixtures, 'parse', 'task-sandbox-pre1806-mangle-nvL-ipvsadm-names.txt')]).out);
  assert.ok(got.marks.every((m: { chain: string; table: string }) => m.chain === 'OUTPUT' && m.table === 'mangle'));
  assert.ok(got.vips.length > 0 && got.vips.every((v: { backends: string[] }) => v.backends.length > 0));
});

test('nothing recognisable: exit 2 and one line on stderr that says what explain reads, no stack trace', () => {
  for (const input of ['hello, this is not a firewall dump\nat all\n', '{\n  "Containers": {\n', '\u001b[31m\u001b[0m\n']) {
    const r = cli(['explain', '-'], input);
    assert.equal(r.code, 2, input);
    assert.equal(r.err.trim().split('\n').length, 1);
    assert.match(r.err, /iptables-save .*ipvsadm .*dig, nslookup, docker network inspect --verbose, ip addr/);
    assert.doesNotMatch(r.err, /at \w+ \(|node:internal/);
  }
  assert.match(cli(['explain', '-'], 'hello\n').err, /iptables-save; ipvsadm -Ln/, 'suggests the command to run');
});

test('explain text: hosts apart, weight and forward method, "not pasted" rather than "no backends"', () => {
  const r = cli(['explain', path.join(fixtures, 'parse', 'explain-two-hosts.md')]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^Host node-a:\n {2}VIP 10\.0\.12\.2: mark 0x101 = 257 -> FWM 257 rr\n {8}10\.0\.12\.5:0 {2}Masq {2}weight 1$/m);
  assert.match(r.out, /^Host node-b:\n {2}VIP 10\.0\.12\.2: mark 0x101 = 257 -> ipvsadm output not pasted$/m);
  assert.doesNotMatch(r.out, /no backends/);
  assert.match(r.out, /--verbose shows them/);
  const verbose = cli(['explain', '--verbose', path.join(fixtures, 'parse', 'explain-two-hosts.md')]);
  assert.match(verbose.out, /^ {2}1: Same VIP, two nodes\. On node-a:$/m);
});

test('explain reads UTF-16 with a BOM (PowerShell >) and coloured output, and says so in warnings', () => {
  const text = fixture('parse/explain-damaged.txt');
  const want = JSON.parse(cli(['explain', '--json', '-'], text).out);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'swarm-lens-')), 'dump.txt');
  fs.writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
  const r = cli(['explain', '--json', file]);
  assert.equal(r.code, 0, r.err);
  const got = JSON.parse(r.out);
  assert.deepEqual(got.vips, want.vips);
  assert.deepEqual(got.warnings.map((w: { code: string }) => w.code), ['encoding', 'colour-codes', 'wrapped-joined']);
  const plain = cli(['explain', file]);
  assert.doesNotMatch(plain.out, /\u001b/, 'no escape sequence reaches the terminal');
  assert.match(plain.out, /Terminal colour codes were removed/);
});

test('errors are one sentence: missing file, no engine, bad usage', () => {
  const missing = cli(['explain', '/nonexistent/file.txt']);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /Cannot read \/nonexistent\/file\.txt: no such file/);
  const engine = cli(['trace', 'vote']);
  assert.equal(engine.code, 1);
  assert.match(engine.err, /No Docker engine at \/nonexistent\/docker\.sock/);
  assert.doesNotMatch(engine.err, /\n\s+at /);
  const usage = cli(['mesh', 'eighty']);
  assert.equal(usage.code, 2);
  assert.match(usage.err, /mesh takes a port/);
  assert.equal(cli(['frobnicate']).code, 2);
});

test('trace --snapshot works offline and --json is the versioned Trace', () => {
  const snapshot = path.join(fixtures, 'trace', 'swarm-20.10-no-ipvs.json');
  const r = cli(['trace', 'vote', '--snapshot', snapshot, '--json']);
  assert.equal(r.code, 0, r.err);
  const t = JSON.parse(r.out);
  assert.equal(t.version, 1);
  assert.equal(t.kind, 'service');
  assert.ok(t.findings.some((f: { id: string }) => f.id === 'ipvs-missing'));
  const text = cli(['trace', 'vote', '--snapshot', snapshot]);
  assert.match(text.out, /IPVS is missing/);
  assert.match(text.out, /Equivalent commands:/);
  const notSnapshot = cli(['trace', 'vote', '--snapshot', path.join(fixtures, 'parse', 'dig-full.txt')]);
  assert.equal(notSnapshot.code, 1);
  assert.match(notSnapshot.err, /not a Swarm Lens snapshot/);
});

test('cluster strings reach the terminal inert: control and bidi characters in text output, \\u escapes in JSON', () => {
  // A snapshot whose service is named with a terminal escape (clear screen, red) and a bidi override.
  const evil = 'vote\u001b[2J\u001b[31m\u202e';
  const bundle = JSON.parse(fixture('trace/swarm-20.10-no-ipvs.json'));
  for (const s of bundle.raw.services) if (s.Spec.Name === 'vote') s.Spec.Name = evil;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'swarm-lens-cli-')), 'evil.json');
  fs.writeFileSync(file, JSON.stringify(bundle));
  const text = cli(['trace', evil, '--snapshot', file]);
  assert.equal(text.code, 0, text.err);
  assert.ok(!/[\u001b\u202e]/.test(text.out), 'no escape or bidi character printed');
  assert.match(text.out, /vote\?\[2J\?\[31m\?/);
  const json = cli(['trace', evil, '--snapshot', file, '--json']);
  assert.ok(!/[\u001b\u202e]/.test(json.out), 'none in the JSON either');
  assert.equal(JSON.parse(json.out).service.name, evil, 'and the JSON still holds the name as it is');
  const missing = cli(['trace', `nope${evil}`, '--snapshot', file]);
  assert.ok(!/[\u001b\u202e]/.test(missing.err), 'nor in an error sentence');
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
});

test('collect refuses --snapshot: a file must never drive a live probe', () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'swarm-lens-collect-')), 'out.json');
  const r = cli(['collect', '--snapshot', path.join(fixtures, 'trace', 'swarm-20.10-no-ipvs.json'), '-o', out]);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /collect reads the live engine: run it without --snapshot/);
  assert.ok(!fs.existsSync(out), 'nothing written');
});

test('connections: one line per connection, --json the contract, exit 1 when no table could be read, 2 without a service', () => {
  const bundle = JSON.parse(fs.readFileSync(path.join(repoRoot, 'media', 'demo-snapshot.json'), 'utf8'));
  const lb = bundle.nodes[0].output.sandboxes.find((s: { netns: string }) => path.basename(s.netns).startsWith('lb_'));
  const services = bundle.raw.services as { ID: string; Spec: { Name: string }; Endpoint: { VirtualIPs: { Addr: string }[] } }[];
  const vote = services.find((s) => s.Spec.Name === 'vote')!;
  const tasks = (bundle.raw.tasks as { ServiceID: string; Status: { State: string }; NetworksAttachments?: { Addresses: string[] }[] }[]).filter((t) => t.ServiceID === vote.ID && t.Status.State === 'running');
  const vip = vote.Endpoint.VirtualIPs.map((v) => v.Addr.split('/')[0]).find((a) => tasks[0].NetworksAttachments!.some((n) => n.Addresses[0].startsWith(a.split('.').slice(0, 3).join('.'))))!;
  const backend = tasks[0].NetworksAttachments!.map((n) => n.Addresses[0].split('/')[0]).find((a) => a.startsWith(vip.split('.').slice(0, 3).join('.')))!;
  lb.sections['ipvsadm-lnc'] = { command: 'ipvsadm -Lnc', exitCode: 0, output: ['IPVS connection entries', 'pro expire state       source             virtual            destination', `TCP 14:59  ESTABLISHED 10.9.9.9:41234      ${vip}:80        ${backend}:80`].join('\n') };
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'swarm-lens-conn-')), 'demo.json');
  fs.writeFileSync(file, JSON.stringify(bundle));
  try {
    const json = cli(['connections', 'vote', '--snapshot', file, '--json']);
    assert.equal(json.code, 0, json.err);
    const got = JSON.parse(json.out);
    assert.deepEqual(Object.keys(got), ['version', 'service', 'node', 'connections']);
    assert.deepEqual([got.version, got.service, got.node], [1, 'vote', 'node1']);
    assert.equal(got.connections.length, 1);
    const [c] = got.connections;
    assert.deepEqual(Object.keys(c), ['client', 'virtual', 'backend', 'state', 'expiresInSeconds', 'sandbox']);
    assert.deepEqual(c.client, { address: '10.9.9.9', port: 41234 });
    assert.deepEqual(c.virtual, { address: vip, port: 80 });
    assert.deepEqual(Object.keys(c.backend), ['address', 'port', 'task', 'node']);
    assert.match(c.backend.task, /^vote\.\d$/);
    assert.deepEqual([c.state, c.expiresInSeconds, c.sandbox], ['ESTABLISHED', 899, path.basename(lb.netns)]);
    const text = cli(['connections', 'vote', '--snapshot', file]);
    assert.equal(text.code, 0, text.err);
    assert.deepEqual(text.out.trimEnd().split('\n'), [`10.9.9.9:41234 -> ${vip}:80 (vote) -> ${c.backend.task} on ${c.backend.node} (${backend}:80)  TCP ESTABLISHED 14:59 left  [${c.sandbox}]`]);
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
  const noIpvs = cli(['connections', 'vote', '--snapshot', path.join(fixtures, 'trace', 'swarm-20.10-no-ipvs.json')]);
  assert.equal(noIpvs.code, 1);
  assert.match(noIpvs.err, /^swarm-lens: No IPVS connection table could be read on \S+: IPVS is missing/);
  const dnsrr = cli(['connections', 'votedns', '--snapshot', path.join(fixtures, 'trace', 'swarm-20.10-no-ipvs.json'), '--json']);
  assert.equal(dnsrr.code, 1);
  assert.match(dnsrr.err, /DNS round robin/);
  assert.equal(dnsrr.out, '');
  assert.equal(cli(['connections']).code, 2);
  assert.match(cli(['--help']).out, /connections <service> \[--from <task>\]/);
});
