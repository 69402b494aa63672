// The helper probe's container lifecycle against a stand-in Engine API that behaves like dockerd
// where it matters: a create finishes even when its client has gone away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseHost } from '../../src/core/docker/endpoint';
import { EngineError } from '../../src/core/docker/errors';
import { helperProbe } from '../../src/core/netns/probe';
import { MARKER } from '../../src/core/netns/script';

const CREATE_MS = 150;
const WAIT_MS = 150;

interface FakeDockerd {
  host: string;
  containers: Set<string>;
  calls: string[];
  /** Resolves once no create is in flight: what is in `containers` then stays there. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

async function fakeDockerd(): Promise<FakeDockerd> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarm-lens-probe-'));
  const socketPath = path.join(dir, 'docker.sock');
  const containers = new Set<string>();
  const calls: string[] = [];
  const creating = new Set<Promise<void>>();
  const server = http.createServer((req, res) => {
    req.resume();
    const url = new URL(req.url ?? '/', 'http://engine');
    const reply = (status: number, body?: unknown) => {
      if (res.writableEnded || res.destroyed) return;
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
    const [, , id, action] = url.pathname.split('/');
    calls.push(`${req.method} ${id}${action ? '/' + action : ''}`);
    if (req.method === 'GET' && id === 'json') return reply(200, []);
    if (req.method === 'POST' && id === 'create') {
      const name = url.searchParams.get('name')!;
      const done = new Promise<void>((resolve) =>
        setTimeout(() => {
          containers.add(name);
          calls.push(`created ${name}`);
          reply(201, { Id: name });
          creating.delete(done);
          resolve();
        }, CREATE_MS),
      );
      creating.add(done);
      return;
    }
    if (!containers.has(id)) return reply(404, { message: `No such container: ${id}` });
    if (req.method === 'DELETE') return containers.delete(id), reply(204);
    if (action === 'start') return reply(204);
    if (action === 'wait') return void setTimeout(() => reply(200, { StatusCode: 0 }), WAIT_MS);
    if (action === 'logs') return void (res.writeHead(200), res.end(`${MARKER} sandbox /netns/x\n${MARKER} section ip-addr\n1: lo\n${MARKER} exit 0\n`));
    reply(500, { message: 'unexpected' });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    host: `unix://${socketPath}`,
    containers,
    calls,
    settled: async () => {
      while (creating.size) await Promise.all(creating);
    },
    close: () => new Promise<void>((resolve) => server.close(() => (fs.rmSync(dir, { recursive: true, force: true }), resolve()))),
  };
}

const probeAt = (host: string, timeoutMs = 5000) => helperProbe(parseHost(host, 'default', 'DOCKER_HOST', undefined), '/run/docker/netns', { timeoutMs, helperImage: 'helper:1' });
const request = [{ kind: 'sandbox' as const, netns: '/run/docker/netns/x' }];

test('helper probe: a finished run reads the output and removes its container', async () => {
  const dockerd = await fakeDockerd();
  try {
    const output = await probeAt(dockerd.host).run(request);
    assert.equal(output.sandboxes[0].netns, '/run/docker/netns/x');
    await dockerd.settled();
    assert.deepEqual([...dockerd.containers], []);
  } finally {
    await dockerd.close();
  }
});

for (const [moment, delayMs] of [['before it starts', 0], ['while the create is in flight', 20], ['while it runs', CREATE_MS + WAIT_MS / 2]] as const) {
  test(`helper probe: a cancel ${moment} leaves no container`, async () => {
    const dockerd = await fakeDockerd();
    try {
      const controller = new AbortController();
      if (delayMs === 0) controller.abort();
      else setTimeout(() => controller.abort(), delayMs);
      const err = await probeAt(dockerd.host).run(request, controller.signal).catch((e: unknown) => e);
      assert.ok(err instanceof EngineError && err.kind === 'cancelled', String(err));
      await dockerd.settled();
      assert.deepEqual([...dockerd.containers], [], dockerd.calls.join('\n'));
      if (delayMs === 0) assert.ok(!dockerd.calls.some((c) => c.startsWith('POST create')), 'nothing created after a cancel');
    } finally {
      await dockerd.close();
    }
  });
}

test('helper probe: a timeout during the create still removes the container', async () => {
  const dockerd = await fakeDockerd();
  try {
    const err = await probeAt(dockerd.host, CREATE_MS / 3).run(request).catch((e: unknown) => e);
    assert.ok(err instanceof EngineError && err.kind === 'timeout', String(err));
    await dockerd.settled();
    assert.deepEqual([...dockerd.containers], [], dockerd.calls.join('\n'));
  } finally {
    await dockerd.close();
  }
});
