// Snapshot files and engine answers are hostile: they must never choose what a live probe runs.
// A stand-in nsenter on PATH records what the host probe would have run as root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseBundle } from '../../src/core/bundle/bundle';
import { bundleEngine } from '../../src/core/bundle/collect';
import { EngineError } from '../../src/core/docker/errors';
import { isDnsName, isNetnsDir, isNetnsPath } from '../../src/core/netns/guard';
import { hostProbe } from '../../src/core/netns/probe';
import type { ProbeRequest } from '../../src/core/netns/script';
import { chooseProbe } from '../../src/core/trace/run';
import { fixture } from '../fixtures';

const DIR = '/var/run/docker/netns';

/** Runs `run` with an nsenter on PATH that writes its argv and its stdin (one JSON line per call) and prints nothing. */
async function withFakeNsenter(run: (calls: () => string[][], stdins: () => string[]) => Promise<void>): Promise<void> {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'swarm-lens-nsenter-'));
  const log = path.join(bin, 'calls');
  const fake = `const fs = require('fs'); let stdin = ''; try { stdin = fs.readFileSync(0, 'utf8'); } catch {} fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ argv: process.argv.slice(2), stdin }) + '\\n');`;
  fs.writeFileSync(path.join(bin, 'nsenter'), `#!${process.execPath}\n${fake}\n`, { mode: 0o755 });
  const saved = process.env.PATH;
  process.env.PATH = `${bin}:${saved}`;
  try {
    const entries = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { argv: string[]; stdin: string }) : []);
    await run(() => entries().map((e) => e.argv), () => entries().map((e) => e.stdin));
  } finally {
    process.env.PATH = saved;
    fs.rmSync(bin, { recursive: true, force: true });
  }
}

test('a snapshot engine can never choose a live probe: a crafted file is refused, not probed', () => {
  const bundle = parseBundle(fixture('trace/swarm-20.10-no-ipvs.json'));
  // The attack: a service named like a dig option, the netns folder moved to /.
  (bundle.raw.services as { Spec: { Name: string } }[])[0].Spec.Name = '-f/etc/shadow';
  bundle.nodes[0].netnsDir = '/';
  const engine = bundleEngine(bundle);
  assert.equal(engine.kind, 'offline');
  assert.ok(!('endpoint' in engine), 'a snapshot has no address a probe could use');
  for (const probe of ['host', 'helper', undefined] as const) {
    assert.throws(() => chooseProbe(engine, '/', { timeoutMs: 1000, helperImage: 'img', recheckDelayMs: 0, probe }), (err: unknown) => err instanceof EngineError && /snapshot cannot read namespaces/.test(err.message));
  }
});

test('dig gets the name only after -q, as a batch line on stdin: never on its command line, never as an option', async () => {
  await withFakeNsenter(async (calls, stdins) => {
    await hostProbe(DIR, 5000).run([{ kind: 'dns', netns: `${DIR}/60efc8b384dc`, name: 'tasks.stack_vote' }]);
    const argv = calls()[0];
    assert.ok(argv, 'nsenter ran');
    assert.deepEqual(argv.slice(argv.indexOf('dig')), ['dig', '+time=2', '+tries=1', '@127.0.0.11', '-f', '-'], argv.join(' '));
    assert.ok(!argv.includes('tasks.stack_vote'), 'the name is not an argument');
    assert.equal(stdins()[0], '-q tasks.stack_vote\n', 'one batch line: -q and the name');
  });
});

test('the host probe refuses option-like names and paths outside the netns folder before running anything', async () => {
  const hostile: ProbeRequest[][] = [
    [{ kind: 'dns', netns: `${DIR}/60efc8b384dc`, name: '-f/etc/shadow' }],
    [{ kind: 'dns', netns: `${DIR}/60efc8b384dc`, name: 'vote A; x' }],
    [{ kind: 'sandbox', netns: '/etc/shadow' }],
    [{ kind: 'sandbox', netns: `${DIR}/../../../../etc/shadow` }],
    [{ kind: 'sandbox', netns: `${DIR}/lb_abc` }, { kind: 'sandbox', netns: `${DIR}/.hidden` }],
  ];
  await withFakeNsenter(async (calls) => {
    for (const requests of hostile) {
      await assert.rejects(hostProbe(DIR, 5000).run(requests), (err: unknown) => err instanceof EngineError && /^Refused to/.test(err.message) && !err.message.includes('\n'), JSON.stringify(requests));
    }
    // A folder taken from a crafted answer (SandboxKey /etc/x gives /etc) is refused as a whole.
    await assert.rejects(hostProbe('/etc', 5000).run([{ kind: 'sandbox', netns: '/etc/shadow' }]), /Refused to read namespaces/);
    assert.deepEqual(calls(), [], 'nsenter never ran');
  });
});

test('guard syntax: netns folders, paths in them, DNS names', () => {
  assert.ok(isNetnsDir('/var/run/docker/netns') && isNetnsDir('/run/snap.docker/netns') && isNetnsDir('/tmp/swarm-lens/exec/netns'));
  for (const bad of ['/', '/etc', 'var/run/docker/netns', '/var/run/docker/../netns', '/var/run/docker/netns/', '/a b/netns']) assert.ok(!isNetnsDir(bad), bad);
  assert.ok(isNetnsPath('/proc/1/ns/net', DIR) && isNetnsPath(`${DIR}/lb_m5xjwdv2b`, DIR) && isNetnsPath(`${DIR}/ingress_sbox`, DIR) && isNetnsPath(`${DIR}/1-m5xjwdv2b`, DIR));
  for (const bad of ['/proc/2/ns/net', `${DIR}/..`, `${DIR}/a/b`, `${DIR}/-x`, `/var/run/docker/netns2/x`]) assert.ok(!isNetnsPath(bad, DIR), bad);
  for (const good of ['vote', 'tasks.vote', 'stack_vote', 'vote.overlay1', 'a.b.', 'x'.repeat(63)]) assert.ok(isDnsName(good), good);
  for (const bad of ['', '.', '-f/etc/shadow', '-v', 'a..b', 'a b', 'x'.repeat(64), 'vote\nA', '+short', '@8.8.8.8', `${'a.'.repeat(127)}ab`]) assert.ok(!isDnsName(bad), bad);
});
