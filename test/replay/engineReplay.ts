// A local stand-in for the Engine API on a unix socket, serving recorded (or synthetic) payloads.
// Used by unit tests (timeouts, garbage, errors) and by the benchmark; never by the real-swarm tests.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RawCluster } from '../../src/core/cluster/state';

export interface ReplayOptions {
  /** Override one path's answer: a status and a raw body, or a delay before answering; `open`
   *  sends the body and keeps the response open, as the events stream does. */
  override?: (urlPath: string) => { status?: number; body?: string; delayMs?: number; open?: boolean } | undefined;
  /** Listen here instead of a new temporary folder (to play a restarted engine). */
  socketPath?: string;
}

export interface EngineReplay {
  socketPath: string;
  host: string;
  requests: string[];
  /** Resolves once no client connection is open (at once when none is). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export async function startEngineReplay(raw: RawCluster, options: ReplayOptions = {}): Promise<EngineReplay> {
  // Pre-serialised once: the replay must cost nothing next to the client it measures.
  const bodies = new Map<string, string>([
    ['/info', JSON.stringify(raw.info)],
    ['/version', JSON.stringify(raw.version ?? { ApiVersion: '1.41' })],
    ['/services', JSON.stringify(raw.services)],
    ['/tasks', JSON.stringify(raw.tasks)],
    ['/nodes', JSON.stringify(raw.nodes)],
    ['/networks', JSON.stringify(raw.networks)],
  ]);
  for (const [id, value] of Object.entries(raw.verboseNetworks)) bodies.set(`/networks/${id}`, JSON.stringify(value));

  const dir = options.socketPath ? path.dirname(options.socketPath) : fs.mkdtempSync(path.join(os.tmpdir(), 'swarm-lens-replay-'));
  const socketPath = options.socketPath ?? path.join(dir, 'docker.sock');
  const requests: string[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://engine');
    const urlPath = url.pathname.replace(/^\/v[\d.]+/, '');
    requests.push(req.method + ' ' + urlPath + url.search);
    const answer = (status: number, body: string) => {
      res.writeHead(status, { 'Content-Type': 'application/json', 'Api-Version': '1.41' });
      res.end(body);
    };
    const special = options.override?.(urlPath);
    const respond = () => {
      if (special?.open) {
        res.writeHead(special.status ?? 200, { 'Content-Type': 'application/json', 'Api-Version': '1.41' });
        return void res.write(special.body ?? '');
      }
      if (special?.status !== undefined || special?.body !== undefined) return answer(special.status ?? 200, special.body ?? '');
      const body = bodies.get(urlPath);
      if (body !== undefined) return answer(200, body);
      answer(404, JSON.stringify({ message: `no such path ${urlPath}` }));
    };
    if (special?.delayMs) setTimeout(respond, special.delayMs);
    else respond();
  });
  let idleWaiters: (() => void)[] = [];
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => {
      sockets.delete(s);
      if (sockets.size > 0) return;
      for (const resolve of idleWaiters) resolve();
      idleWaiters = [];
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socketPath,
    host: `unix://${socketPath}`,
    requests,
    idle: () => (sockets.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve))),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (options.socketPath) fs.rmSync(socketPath, { force: true });
      else fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
