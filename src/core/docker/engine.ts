// Engine API reads. Every call is time-boxed and cancellable and throws only EngineError.
// Read-only: nothing here writes to the cluster.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as util from 'node:util';
import Docker from 'dockerode';
import { DockerEndpoint } from './endpoint';
import { badResponse, EngineError, timeoutError, toEngineError } from './errors';

export interface EngineOptions {
  timeoutMs: number;
}

export interface DockerEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
}

/** The reads a cluster snapshot needs; an interface so tests and the CLI can swap transports. */
export interface EngineReader {
  readonly endpoint: DockerEndpoint;
  info(signal?: AbortSignal): Promise<unknown>;
  version(signal?: AbortSignal): Promise<unknown>;
  services(signal?: AbortSignal): Promise<unknown>;
  tasks(signal?: AbortSignal): Promise<unknown>;
  nodes(signal?: AbortSignal): Promise<unknown>;
  networks(signal?: AbortSignal): Promise<unknown>;
  networkVerbose(id: string, signal?: AbortSignal): Promise<unknown>;
  service(id: string, signal?: AbortSignal): Promise<unknown>;
  task(id: string, signal?: AbortSignal): Promise<unknown>;
  container(id: string, signal?: AbortSignal): Promise<unknown>;
}

/** The dockerode calls used here, as dockerode 5 really behaves (promises, abortSignal in options). */
type Options = Record<string, unknown> & { abortSignal: AbortSignal };
interface Dockerode {
  info(o: Options): Promise<unknown>;
  version(o: Options): Promise<unknown>;
  listServices(o: Options): Promise<unknown>;
  listTasks(o: Options): Promise<unknown>;
  listNodes(o: Options): Promise<unknown>;
  listNetworks(o: Options): Promise<unknown>;
  getEvents(o: Options): Promise<NodeJS.ReadableStream>;
  getNetwork(id: string): { inspect(o: Options): Promise<unknown> };
  getService(id: string): { inspect(o: Options): Promise<unknown> };
  getTask(id: string): { inspect(o: Options): Promise<unknown> };
  getContainer(id: string): { inspect(o: Options): Promise<unknown> };
}

export class Engine implements EngineReader {
  private readonly docker: Dockerode;

  constructor(readonly endpoint: DockerEndpoint, private readonly options: EngineOptions) {
    this.docker = dockerClient(endpoint) as unknown as Dockerode;
  }

  info(signal?: AbortSignal) {
    return this.call('GET /info', signal, (abortSignal) => this.docker.info({ abortSignal }));
  }
  version(signal?: AbortSignal) {
    return this.call('GET /version', signal, (abortSignal) => this.docker.version({ abortSignal }));
  }
  services(signal?: AbortSignal) {
    // status=true adds ServiceStatus (running/desired) on API 1.41+, still one call.
    return this.call('GET /services', signal, (abortSignal) => this.docker.listServices({ status: true, abortSignal }));
  }
  tasks(signal?: AbortSignal) {
    return this.call('GET /tasks', signal, (abortSignal) => this.docker.listTasks({ abortSignal }));
  }
  nodes(signal?: AbortSignal) {
    return this.call('GET /nodes', signal, (abortSignal) => this.docker.listNodes({ abortSignal }));
  }
  networks(signal?: AbortSignal) {
    return this.call('GET /networks', signal, (abortSignal) => this.docker.listNetworks({ abortSignal }));
  }
  networkVerbose(id: string, signal?: AbortSignal) {
    return this.call(`GET /networks/${id}?verbose=true`, signal, (abortSignal) =>
      this.docker.getNetwork(id).inspect({ verbose: true, abortSignal }),
    );
  }
  service(id: string, signal?: AbortSignal) {
    return this.call(`GET /services/${id}`, signal, (abortSignal) => this.docker.getService(id).inspect({ abortSignal }));
  }
  task(id: string, signal?: AbortSignal) {
    return this.call(`GET /tasks/${id}`, signal, (abortSignal) => this.docker.getTask(id).inspect({ abortSignal }));
  }

  container(id: string, signal?: AbortSignal) {
    return this.call(`GET /containers/${id}/json`, signal, (abortSignal) => this.docker.getContainer(id).inspect({ abortSignal }));
  }

  /**
   * Streams Docker events of the given types until `signal` aborts or the stream ends.
   * Resolves when the stream ends; rejects with EngineError if it cannot start.
   */
  async events(types: string[], onEvent: (event: DockerEvent) => void, signal: AbortSignal): Promise<void> {
    const stream = (await this.call('GET /events', signal, (abortSignal) =>
      this.docker.getEvents({ filters: { type: types }, abortSignal }),
    )) as NodeJS.ReadableStream;
    await new Promise<void>((resolve) => {
      let buffered = '';
      stream.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (!line) continue;
          try {
            onEvent(JSON.parse(line) as DockerEvent);
          } catch {
            // A malformed event line only costs that event; the poll catches up.
          }
        }
      });
      stream.on('error', () => resolve());
      stream.on('end', () => resolve());
      stream.on('close', () => resolve());
      signal.addEventListener('abort', () => {
        (stream as unknown as { destroy?: () => void }).destroy?.();
        resolve();
      });
    });
  }

  private async call<T>(what: string, signal: AbortSignal | undefined, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (signal?.aborted) throw new EngineError('cancelled', 'Cancelled.', what);
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), this.options.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal;
    try {
      const result = await run(combined);
      // docker-modem hands back the raw bytes when the body is not JSON.
      if (Buffer.isBuffer(result)) throw badResponse(what, 'the body is not JSON');
      return result;
    } catch (err) {
      if (timeout.signal.aborted && !signal?.aborted) throw timeoutError(this.endpoint.host, `${what}: no answer in ${this.options.timeoutMs} ms`);
      throw toEngineError(err, this.endpoint, what);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A dockerode client for the endpoint; shared with the helper probe, the one part that creates containers. */
export function dockerClient(endpoint: DockerEndpoint): Docker {
  return new Docker(modemOptions(endpoint));
}

/**
 * No keep-alive: a pooled socket to a dockerd that restarted fails the next call (ECONNRESET or
 * EPIPE). docker-modem util.inspect()s the request options on every call, agent included, even
 * with debug off; a one-word inspect keeps that from costing milliseconds per call.
 */
function freshConnectionAgent<T extends http.Agent>(agent: T): T {
  Object.defineProperty(agent, util.inspect.custom, { value: () => '[Agent]' });
  return agent;
}

function modemOptions(endpoint: DockerEndpoint): Docker.DockerOptions {
  const agent = () => ({ agent: freshConnectionAgent(new http.Agent({ keepAlive: false })) });
  switch (endpoint.protocol) {
    case 'unix':
    case 'npipe':
      return { socketPath: endpoint.socketPath, ...agent() } as Docker.DockerOptions;
    case 'ssh':
      return {
        protocol: 'ssh',
        host: endpoint.hostname,
        port: endpoint.port,
        username: endpoint.username,
        sshOptions: { agent: process.env.SSH_AUTH_SOCK },
      } as Docker.DockerOptions;
    case 'tcp': {
      const tls = endpoint.tls;
      if (!tls) return { protocol: 'http', host: endpoint.hostname, port: endpoint.port, ...agent() } as Docker.DockerOptions;
      const read = (file?: string) => (file && fs.existsSync(file) ? fs.readFileSync(file) : undefined);
      return {
        protocol: 'https',
        host: endpoint.hostname,
        port: endpoint.port,
        agent: freshConnectionAgent(new https.Agent({ keepAlive: false })),
        ca: read(tls.ca),
        cert: read(tls.cert),
        key: read(tls.key),
        // Without DOCKER_TLS_VERIFY the CLI encrypts but does not verify; so do we.
        ...(tls.verify ? {} : { rejectUnauthorized: false }),
      } as Docker.DockerOptions;
    }
  }
}
