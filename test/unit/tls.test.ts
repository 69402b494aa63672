// TLS as the docker CLI does it, against a real TLS listener: a front that terminates TLS
// (test-only certificates in test/fixtures/tls, see make.sh) and forwards to the replay engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { loadCluster } from '../../src/core/cluster/load';
import { Engine } from '../../src/core/docker/engine';
import { parseHost } from '../../src/core/docker/endpoint';
import { EngineError } from '../../src/core/docker/errors';
import { repoRoot } from '../fixtures';
import { startEngineReplay } from '../replay/engineReplay';
import { recordedCluster } from './engineFixtures';

const CERTS = path.join(repoRoot, 'test', 'fixtures', 'tls');
const pem = (file: string) => fs.readFileSync(path.join(CERTS, file));

/** A TLS listener on 127.0.0.1 that demands a client certificate from our CA and forwards to the replay. */
async function withTlsEngine(run: (port: number, plainRequests: () => number) => Promise<void>): Promise<void> {
  const replay = await startEngineReplay(recordedCluster());
  let plain = 0;
  const server = tls.createServer({ key: pem('server-key.pem'), cert: pem('server-cert.pem'), ca: pem('ca.pem'), requestCert: true, rejectUnauthorized: true }, (socket) => {
    const upstream = net.connect(replay.socketPath);
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  // Plain HTTP sent to a TLS port is not a handshake: count it.
  server.on('tlsClientError', (err) => /wrong version|http request|unknown protocol/i.test(err.message) && plain++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await run((server.address() as net.AddressInfo).port, () => plain);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await replay.close();
  }
}

test('the CLI --host keeps DOCKER_TLS_VERIFY and DOCKER_CERT_PATH: TLS with the client certificate, not plain HTTP', async () => {
  const cli = path.join(repoRoot, 'dist', 'cli.js');
  assert.ok(fs.existsSync(cli), 'dist/cli.js is built (npm run build)');
  await withTlsEngine(async (port, plainRequests) => {
    const env = { ...process.env, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: CERTS, DOCKER_HOST: '', DOCKER_CONTEXT: '' };
    const run = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const child = execFile(process.execPath, [cli, 'ip', '10.0.1.4', '--host', `tcp://localhost:${port}`], { env, timeout: 20000 }, (_e, out, err) => resolve({ code: child.exitCode, out, err }));
    });
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /10\.0\.1\.4: .*vote/);
    assert.equal(plainRequests(), 0);
  });
});

test('DOCKER_TLS_VERIFY verifies: a server signed by another CA is a tls error in one sentence, ours works', async () => {
  await withTlsEngine(async (port) => {
    for (const host of ['localhost', '127.0.0.1']) {
      const engine = (ca: string) => new Engine(parseHost(`tcp://${host}:${port}`, 'default', 'DOCKER_HOST', { ca: path.join(CERTS, ca), cert: path.join(CERTS, 'cert.pem'), key: path.join(CERTS, 'key.pem'), verify: true }), { timeoutMs: 5000 });
      const err = await loadCluster(engine('other/ca.pem')).catch((e: unknown) => e);
      assert.ok(err instanceof EngineError && err.kind === 'tls', String(err));
      assert.match(err.message, /^The TLS connection to tcp:\/\/[\w.]+:\d+ failed: check DOCKER_CERT_PATH/);
      assert.equal((await loadCluster(engine('ca.pem'))).service('vote')?.vips[0].address, '10.0.1.4', host);
    }
  });
});

test('a certificate file that disappears after resolution fails the call with a sentence, it is not skipped', async () => {
  await withTlsEngine(async (port) => {
    const gone = path.join(CERTS, 'no-such-ca.pem');
    const engine = new Engine(parseHost(`tcp://localhost:${port}`, 'default', 'DOCKER_HOST', { ca: gone, verify: true }), { timeoutMs: 5000 });
    const err = await engine.info().catch((e: unknown) => e);
    assert.ok(err instanceof EngineError && err.kind === 'tls', String(err));
    assert.equal(err.message, `Cannot read the TLS certificate ${gone}: check DOCKER_CERT_PATH or the context's certificates.`);
  });
});
