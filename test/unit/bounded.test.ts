// Every read is bounded: a fake engine that never stops talking costs a capped amount of memory
// and one sentence, not the process. Also: characters split between chunks arrive whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { Engine } from '../../src/core/docker/engine';
import { parseHost } from '../../src/core/docker/endpoint';
import { EngineError } from '../../src/core/docker/errors';
import { MAX_BODY_BYTES } from '../../src/core/docker/http';

/** A fake engine on a unix socket; `handle` writes whatever it likes. Reports how many bytes it got out. */
async function withFakeEngine(handle: (req: http.IncomingMessage, res: http.ServerResponse, sent: (n: number) => void) => void, run: (engine: Engine, bytesSent: () => number) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarm-lens-fake-'));
  const socketPath = path.join(dir, 'docker.sock');
  let bytes = 0;
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => handle(req, res, (n) => (bytes += n)));
  server.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  try {
    await run(new Engine(parseHost(`unix://${socketPath}`, 'default', 'DOCKER_HOST', undefined), { timeoutMs: 20_000 }), () => bytes);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes `chunk` for as long as the client reads, as a body that never ends. */
function endless(res: http.ServerResponse, chunk: Buffer, sent: (n: number) => void): void {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  const pump = () => {
    while (!res.destroyed && res.write(chunk)) sent(chunk.length);
    if (!res.destroyed) res.once('drain', () => (sent(chunk.length), pump()));
  };
  res.on('close', () => res.destroy());
  pump();
}

const oneSentence = (err: unknown, pattern: RegExp) => {
  assert.ok(err instanceof EngineError, String(err));
  assert.equal(err.kind, 'bad-response');
  assert.match(err.message, pattern);
  assert.ok(!err.message.includes('\n'));
};

test('an answer that never ends stops at the cap with one sentence', { timeout: 60_000 }, async () => {
  const chunk = Buffer.alloc(1024 * 1024, 'x');
  await withFakeEngine(
    (_req, res, sent) => endless(res, chunk, sent),
    async (engine, bytesSent) => {
      const err = await engine.info().catch((e: unknown) => e);
      oneSentence(err, /^Docker's answer to GET \/info could not be read \(it is larger than 128 MiB\)/);
      // The client hung up near the cap: what the server managed to push stays within socket buffers of it.
      assert.ok(bytesSent() < MAX_BODY_BYTES + 16 * 1024 * 1024, `${bytesSent()} bytes went out`);
    },
  );
});

test('a declared length over the cap is refused before reading the body', async () => {
  await withFakeEngine(
    (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(10 * 1024 ** 3) });
      res.write('{');
    },
    async (engine) => oneSentence(await engine.version().catch((e: unknown) => e), /larger than 128 MiB/),
  );
});

test('an event stream without newlines is dropped at 1 MiB with one sentence', { timeout: 30_000 }, async () => {
  const chunk = Buffer.alloc(64 * 1024, 'y');
  await withFakeEngine(
    (_req, res, sent) => endless(res, chunk, sent),
    async (engine, bytesSent) => {
      const started = Date.now();
      const err = await engine.events(['service'], ['update'], () => assert.fail('no event'), new AbortController().signal).catch((e: unknown) => e);
      oneSentence(err, /^Docker's answer to GET \/events could not be read \(an event line is longer than 1 MiB\)/);
      assert.ok(bytesSent() < 8 * 1024 * 1024, `${bytesSent()} bytes went out`);
      assert.ok(Date.now() - started < 5000, 'no quadratic rescans');
    },
  );
});

test('events split anywhere, even inside a multibyte character, arrive whole', async () => {
  const events = Array.from({ length: 200 }, (_, i) => JSON.stringify({ Type: 'service', Action: 'update', Actor: { Attributes: { name: `vöte-ünïcode-€-${i}` } } })).join('\n') + '\n';
  const bytes = Buffer.from(events, 'utf8');
  await withFakeEngine(
    (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      // Odd-sized writes, each flushed on its own, so boundaries fall inside characters and lines.
      let offset = 0;
      const next = () => {
        if (offset >= bytes.length) {
          res.end();
          return;
        }
        const size = 1 + ((offset * 7) % 13);
        res.write(bytes.subarray(offset, offset + size));
        offset += size;
        setImmediate(next);
      };
      next();
    },
    async (engine) => {
      const names: string[] = [];
      await engine.events(['service'], ['update'], (e) => names.push(e.Actor?.Attributes?.name ?? ''), new AbortController().signal);
      assert.equal(names.length, 200);
      names.forEach((n, i) => assert.equal(n, `vöte-ünïcode-€-${i}`));
    },
  );
});
