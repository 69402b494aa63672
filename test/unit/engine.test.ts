import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Engine } from '../../src/core/docker/engine';
import { parseHost } from '../../src/core/docker/endpoint';
import { EngineError, toEngineError } from '../../src/core/docker/errors';
import { loadCluster } from '../../src/core/cluster/load';
import { startEngineReplay } from '../replay/engineReplay';
import { recordedCluster } from './engineFixtures';

const raw = recordedCluster();
const engineAt = (host: string, timeoutMs = 2000) => new Engine(parseHost(host, 'default', 'DOCKER_HOST', undefined), { timeoutMs });

async function failure(run: () => Promise<unknown>): Promise<EngineError> {
  try {
    await run();
  } catch (err) {
    assert.ok(err instanceof EngineError, `expected EngineError, got ${(err as Error)?.stack ?? err}`);
    assert.ok(!err.message.includes('\n') && err.message.length < 300, 'one plain sentence');
    return err;
  }
  assert.fail('expected a failure');
}

test('one refresh is 5 calls plus one verbose inspect per swarm network, and builds the cluster', async () => {
  const replay = await startEngineReplay(raw);
  try {
    const cluster = await loadCluster(engineAt(replay.host));
    assert.equal(cluster.service('vote')?.vips[0].address, '10.0.1.4');
    const swarmNetworks = (raw.networks as { Scope: string }[]).filter((n) => n.Scope === 'swarm').length;
    assert.equal(replay.requests.length, 5 + swarmNetworks, replay.requests.join('\n'));
    assert.ok(replay.requests.every((r) => r.startsWith('GET ')), 'read-only: GET only');
    assert.ok(replay.requests.some((r) => r.includes('verbose=true')));
  } finally {
    await replay.close();
  }
});

test('an engine that restarts between two calls: the second call works (no stale pooled socket)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarm-lens-restart-'));
  const socketPath = path.join(dir, 'docker.sock');
  const engine = engineAt(`unix://${socketPath}`);
  let replay = await startEngineReplay(raw, { socketPath });
  await engine.info();
  await replay.close();
  replay = await startEngineReplay(raw, { socketPath });
  try {
    await engine.info();
    assert.equal((await loadCluster(engine)).services.length, 5);
  } finally {
    await replay.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('ssh:// runs `ssh -- host docker system dial-stdio` and speaks HTTP over its stdio', async () => {
  // A stand-in ssh on PATH that checks its arguments and bridges stdio to the replay socket.
  const replay = await startEngineReplay(raw);
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'swarm-lens-ssh-'));
  fs.writeFileSync(
    path.join(bin, 'ssh'),
    `#!${process.execPath}\n` +
      `const args = process.argv.slice(2);\n` +
      `require('fs').writeFileSync(${JSON.stringify(path.join(bin, 'args'))}, JSON.stringify(args));\n` +
      `const s = require('net').connect(${JSON.stringify(replay.socketPath)});\n` +
      `process.stdin.pipe(s); s.pipe(process.stdout); s.on('close', () => process.exit(0));\n`,
    { mode: 0o755 },
  );
  const saved = process.env.PATH;
  process.env.PATH = `${bin}:${saved}`;
  try {
    const cluster = await loadCluster(engineAt('ssh://ops@manager1:2222'));
    assert.equal(cluster.service('vote')?.endpointMode, 'vip');
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(bin, 'args'), 'utf8')), ['-o', 'BatchMode=yes', '-p', '2222', '--', 'ops@manager1', 'docker', 'system', 'dial-stdio']);
  } finally {
    process.env.PATH = saved;
    await replay.close();
    fs.rmSync(bin, { recursive: true, force: true });
  }
});

test('ssh that cannot connect: one sentence, not a hang', async () => {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'swarm-lens-ssh-'));
  fs.writeFileSync(path.join(bin, 'ssh'), '#!/bin/sh\necho "ssh: connect to host nowhere port 22: Connection refused" >&2\nexit 255\n', { mode: 0o755 });
  const saved = process.env.PATH;
  process.env.PATH = `${bin}:${saved}`;
  try {
    const err = await failure(() => engineAt('ssh://nowhere').info());
    assert.equal(err.kind, 'unreachable');
    assert.match(err.detail, /Connection refused/);
  } finally {
    process.env.PATH = saved;
    fs.rmSync(bin, { recursive: true, force: true });
  }
});

test('no socket file: ENOENT becomes "No Docker engine at ..."', async () => {
  const err = await failure(() => engineAt('unix:///tmp/swarm-lens-does-not-exist.sock').info());
  assert.equal(err.kind, 'no-socket');
  assert.match(err.message, /No Docker engine at \/tmp\/swarm-lens-does-not-exist\.sock/);
});

test('a socket nobody listens on: ECONNREFUSED', async () => {
  const replay = await startEngineReplay(raw);
  const socketPath = replay.socketPath;
  // Keep the file, stop the listener: the classic "dockerd stopped" state.
  const net = await import('node:net');
  await replay.close();
  fs.mkdirSync(path.dirname(socketPath), { recursive: true });
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(socketPath, r));
  await new Promise<void>((r) => server.close(() => r()));
  fs.writeFileSync(socketPath, '');
  const err = await failure(() => engineAt(`unix://${socketPath}`).info());
  // ECONNREFUSED's own sentence: "refused" is also the kind of a reset connection.
  assert.equal(err.kind, 'refused');
  assert.match(err.detail, /ECONNREFUSED/);
  assert.ok(err.message.startsWith(`Docker at unix://${socketPath} refused the connection: start the Docker daemon`), err.message);
  fs.rmSync(path.dirname(socketPath), { recursive: true, force: true });
});

test('TCP port with nothing listening: refused, with what to do', async () => {
  const err = await failure(() => engineAt('tcp://127.0.0.1:1').info());
  assert.equal(err.kind, 'refused');
  assert.match(err.message, /start the Docker daemon/);
});

test('permission denied on the socket: EACCES sentence', () => {
  const err = toEngineError(Object.assign(new Error('connect EACCES /var/run/docker.sock'), { code: 'EACCES' }), parseHost('unix:///var/run/docker.sock', 'default', 'default', undefined), 'GET /info');
  assert.equal(err.kind, 'permission');
  assert.match(err.message, /docker" group/);
});

test('an engine that does not answer in time: timeout, and the request is abandoned', async () => {
  const replay = await startEngineReplay(raw, { override: (p) => (p === '/info' ? { delayMs: 3000 } : undefined) });
  try {
    const started = Date.now();
    const err = await failure(() => engineAt(replay.host, 200).info());
    assert.equal(err.kind, 'timeout');
    assert.ok(Date.now() - started < 1500);
  } finally {
    await replay.close();
  }
});

test('cancel aborts a call in flight', async () => {
  const replay = await startEngineReplay(raw, { override: (p) => (p === '/info' ? { delayMs: 3000 } : undefined) });
  try {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const err = await failure(() => engineAt(replay.host).info(controller.signal));
    assert.equal(err.kind, 'cancelled');
  } finally {
    await replay.close();
  }
});

test('not in swarm mode, and a worker: each its own sentence', async () => {
  const inactive = structuredClone(raw);
  (inactive.info as { Swarm: unknown }).Swarm = { LocalNodeState: 'inactive', ControlAvailable: false };
  let replay = await startEngineReplay(inactive);
  try {
    const err = await failure(() => loadCluster(engineAt(replay.host)));
    assert.equal(err.kind, 'not-swarm');
    assert.match(err.message, /docker swarm init/);
  } finally {
    await replay.close();
  }
  const worker = structuredClone(raw);
  (worker.info as { Swarm: { ControlAvailable: boolean } }).Swarm.ControlAvailable = false;
  replay = await startEngineReplay(worker);
  try {
    assert.equal((await failure(() => loadCluster(engineAt(replay.host)))).kind, 'not-manager');
  } finally {
    await replay.close();
  }
});

test('the engine says 503 "not a swarm manager": not-manager', async () => {
  const replay = await startEngineReplay(raw, {
    override: (p) => (p === '/services' ? { status: 503, body: JSON.stringify({ message: 'This node is not a swarm manager. Worker nodes can\'t be used to view or modify cluster state.' }) } : undefined),
  });
  try {
    assert.equal((await failure(() => engineAt(replay.host).services())).kind, 'not-manager');
  } finally {
    await replay.close();
  }
});

test('truncated JSON and garbage bodies: bad-response, never a crash', async () => {
  const full = JSON.stringify(raw.services);
  for (const body of [full.slice(0, full.length / 2), '<html>proxy error</html>', '']) {
    const replay = await startEngineReplay(raw, { override: (p) => (p === '/services' ? { body } : undefined) });
    try {
      const err = await failure(() => loadCluster(engineAt(replay.host)));
      assert.equal(err.kind, 'bad-response', body.slice(0, 30));
    } finally {
      await replay.close();
    }
  }
});

test('an HTTP server that is not Docker: clear error', async () => {
  const replay = await startEngineReplay(raw, { override: () => ({ status: 404, body: 'page not found' }) });
  try {
    const err = await failure(() => loadCluster(engineAt(replay.host)));
    assert.equal(err.kind, 'api');
    assert.match(err.message, /HTTP 404/);
  } finally {
    await replay.close();
  }
});

test('a network removed between list and inspect does not fail the refresh', async () => {
  const victim = Object.keys(raw.verboseNetworks)[0];
  const replay = await startEngineReplay(raw, { override: (p) => (p === `/networks/${victim}` ? { status: 404, body: '{"message":"network not found"}' } : undefined) });
  try {
    const cluster = await loadCluster(engineAt(replay.host));
    assert.ok(cluster.state.services.length > 0);
  } finally {
    await replay.close();
  }
});

test('events stream: parses events line by line and stops on abort', { timeout: 10_000 }, async (t) => {
  // The stream stays open, as dockerd's does: only the abort can end it (else the test times out,
  // and `finally` still closes the replay so the file ends).
  const untilTimeout = <T>(p: Promise<T>) => Promise.race([p, new Promise<never>((_, reject) => t.signal.addEventListener('abort', () => reject(new Error('timed out')), { once: true }))]);
  const replay = await startEngineReplay(raw, {
    override: (p) => (p === '/events' ? { open: true, body: '{"Type":"service","Action":"update"}\n{"Type":"container","Action":"start"}\nnot json\n' } : undefined),
  });
  try {
    const seen: string[] = [];
    const controller = new AbortController();
    const done = engineAt(replay.host).events(['service'], ['update'], (e) => {
      seen.push(`${e.Type}:${e.Action}`);
      if (seen.length === 2) controller.abort();
    }, controller.signal);
    // A cancel is the normal end of a watch: it resolves, it is not an error.
    await untilTimeout(done);
    assert.ok(controller.signal.aborted);
    assert.deepEqual(seen, ['service:update', 'container:start']);
    assert.match(replay.requests.find((r) => r.includes('/events')) ?? '', /filters=/);
    // ...and the connection to the engine is closed, not left streaming.
    await untilTimeout(replay.idle());
  } finally {
    await replay.close();
  }
});

