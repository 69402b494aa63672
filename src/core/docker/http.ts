// The Engine API over HTTP, the way the docker CLI reaches it: a unix socket or named pipe, TCP
// with or without TLS, or ssh running `docker system dial-stdio` on the remote host (so the
// user's ssh config, keys and agent apply). A fresh connection per call: a pooled socket to a
// dockerd that restarted would fail the next call.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { Duplex, PassThrough, Writable } from 'node:stream';
import type { DockerEndpoint } from './endpoint';
import { badResponse, EngineError } from './errors';

/**
 * The largest answer read into memory. A big swarm's /tasks is tens of MB; past this the other
 * end is not an engine worth waiting for, and the call fails instead of taking the process down.
 */
export const MAX_BODY_BYTES = 128 * 1024 * 1024;

export interface HttpAnswer {
  status: number;
  body: Buffer;
}

/** What a non-2xx answer throws: toEngineError reads statusCode and the engine's own message. */
export class EngineHttpError extends Error {
  constructor(readonly statusCode: number, readonly json: { message?: string } | undefined, what: string) {
    super(json?.message ?? `HTTP ${statusCode} for ${what}`);
  }
}

export class EngineHttp {
  private base?: http.RequestOptions;
  private readonly secure: boolean;

  /**
   * What Host says. Over TCP the real address, like the docker client: node takes the TLS server
   * name (SNI and the certificate check) from it, so `docker` would fail every verification.
   */
  private readonly hostHeader: string;

  constructor(private readonly endpoint: DockerEndpoint) {
    this.secure = endpoint.protocol === 'tcp' && !!endpoint.tls;
    const name = endpoint.hostname?.includes(':') ? `[${endpoint.hostname}]` : endpoint.hostname;
    this.hostHeader = endpoint.protocol === 'tcp' ? `${name}:${endpoint.port}` : 'docker';
  }

  /**
   * Sends a request and returns the whole answer; rejects on transport errors, and with a
   * bad-response EngineError once the answer passes `maxBytes` (then the connection is dropped).
   */
  send(method: string, path: string, signal: AbortSignal, body?: unknown, maxBytes = MAX_BODY_BYTES): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      // Once over the cap, that is the error, whatever the torn-down connection reports after it.
      let overflow: EngineError | undefined;
      const tooLarge = () => (overflow = badResponse(`${method} ${path.split('?')[0]}`, `it is larger than ${Math.round(maxBytes / 1024 / 1024)} MiB`));
      const fail = (err: unknown) => reject(overflow ?? err);
      const req = this.request(method, path, signal, payload, (res) => {
        // Buffers are joined once at the end, so a character split between chunks is whole again.
        const chunks: Buffer[] = [];
        let size = 0;
        const declared = Number(res.headers['content-length']);
        if (declared > maxBytes) {
          req.destroy(tooLarge());
          return;
        }
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBytes) req.destroy(tooLarge());
          else chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', fail);
      });
      req.on('error', fail);
      req.end(payload);
    });
  }

  /** The JSON answer of a request; non-2xx answers throw EngineHttpError, a non-JSON body throws SyntaxError. */
  async json(method: string, path: string, signal: AbortSignal, body?: unknown): Promise<unknown> {
    const answer = await this.send(method, path, signal, body);
    const text = answer.body.toString('utf8');
    if (answer.status < 200 || answer.status >= 300) throw new EngineHttpError(answer.status, parseJson(text), `${method} ${path}`);
    return text.length ? JSON.parse(text) : undefined;
  }

  /** A streaming GET (events): resolves with the response once its headers are in. */
  stream(path: string, signal: AbortSignal): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = this.request('GET', path, signal, undefined, (res) => {
        if ((res.statusCode ?? 0) >= 300) {
          res.resume();
          reject(new EngineHttpError(res.statusCode ?? 0, undefined, `GET ${path}`));
        } else resolve(res);
      });
      req.on('error', reject);
      req.end();
    });
  }

  private request(method: string, path: string, signal: AbortSignal, payload: Buffer | undefined, onResponse: (res: http.IncomingMessage) => void): http.ClientRequest {
    // Read on first use, inside the caller's promise: an unreadable certificate rejects that call.
    this.base ??= requestBase(this.endpoint);
    const options: http.RequestOptions = {
      ...this.base,
      method,
      path,
      signal,
      headers: { Host: this.hostHeader, ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {}) },
    };
    // No agent, so no pooled sockets; ssh brings its own stream instead of a socket.
    if (this.endpoint.protocol === 'ssh') options.createConnection = () => dialStdio(this.endpoint);
    else options.agent = false;
    return (this.secure ? https : http).request(options, onResponse);
  }
}

function parseJson(text: string): { message?: string } | undefined {
  try {
    return JSON.parse(text) as { message?: string };
  } catch {
    return undefined;
  }
}

function requestBase(endpoint: DockerEndpoint): https.RequestOptions {
  switch (endpoint.protocol) {
    case 'unix':
      return { socketPath: endpoint.socketPath };
    case 'npipe':
      // npipe:////./pipe/docker_engine -> \\.\pipe\docker_engine
      return { socketPath: endpoint.socketPath!.replace(/\//g, '\\') };
    case 'ssh':
      return { host: 'docker' };
    case 'tcp': {
      const tls = endpoint.tls;
      if (!tls) return { host: endpoint.hostname, port: endpoint.port };
      // Every file named is read, or the call fails: never TLS with less than configured.
      const read = (file?: string) => {
        if (!file) return undefined;
        try {
          return fs.readFileSync(file);
        } catch (err) {
          throw new EngineError('tls', `Cannot read the TLS certificate ${file}: check DOCKER_CERT_PATH or the context's certificates.`, `${file}: ${(err as Error).message}`);
        }
      };
      // Without DOCKER_TLS_VERIFY the docker CLI encrypts but does not verify; so do we. Verifying
      // without a ca (a context that stores none) checks against the system's CAs, as docker does.
      return { host: endpoint.hostname, port: endpoint.port, ca: read(tls.ca), cert: read(tls.cert), key: read(tls.key), rejectUnauthorized: tls.verify };
    }
  }
}

/** ssh [-p port] [user@]host -- docker system dial-stdio, as a socket. */
function dialStdio(endpoint: DockerEndpoint): Duplex {
  const target = endpoint.username ? `${endpoint.username}@${endpoint.hostname}` : endpoint.hostname!;
  const args = ['-o', 'BatchMode=yes', ...(endpoint.port && endpoint.port !== 22 ? ['-p', String(endpoint.port)] : []), '--', target, 'docker', 'system', 'dial-stdio'];
  const child = spawn('ssh', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  // ssh's own words for the error message: the first few KB, decoded whole.
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => (stderr = (stderr + d).slice(0, 4096)));
  // The stream ends only once ssh has exited, so a failed login reads as ssh's own words, not as a hang-up.
  const readable = new PassThrough();
  child.stdout.pipe(readable, { end: false });
  // Writes to an ssh that already died fail with EPIPE; its exit (below) says why, so those are dropped.
  child.stdin.on('error', () => undefined);
  const writable = new Writable({
    write: (chunk, _encoding, done) => {
      if (child.stdin.writable) child.stdin.write(chunk);
      done();
    },
    final: (done) => {
      child.stdin.end();
      done();
    },
  });
  const socket = Duplex.from({ readable, writable });
  child.on('error', (err: NodeJS.ErrnoException) =>
    socket.destroy(err.code === 'ENOENT' ? Object.assign(new Error(`ssh is not installed here (needed for ${endpoint.host})`), { code: 'ESSH' }) : err),
  );
  child.on('close', (code) => {
    if (!code) readable.end();
    else socket.destroy(Object.assign(new Error(`ssh ${target}: ${stderr.trim() || `exit ${code}`}`), { code: code === 255 ? 'EHOSTUNREACH' : 'ESSH' }));
  });
  socket.on('close', () => child.kill());
  return socket;
}
