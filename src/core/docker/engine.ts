// Engine API reads. Every call is time-boxed and cancellable and throws only EngineError.
// Read-only: nothing here writes to the cluster.
import { DockerEndpoint } from './endpoint';
import { badResponse, EngineError, timeoutError, toEngineError } from './errors';
import { EngineHttp } from './http';

/** An event is a few hundred bytes; a line longer than this is not an event stream. */
const MAX_EVENT_LINE = 1024 * 1024;

export interface EngineOptions {
  timeoutMs: number;
}

export interface DockerEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
}

/** The reads a ClusterState needs; an interface so tests and the CLI can swap transports. */
interface EngineReads {
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

/** A Docker engine reached at an address: the only kind of reader a probe may go through. */
export interface LiveEngineReader extends EngineReads {
  readonly kind: 'live';
  readonly endpoint: DockerEndpoint;
}

/**
^ * Answers recorded in a bundle (offline). It has no address on purpose: a file's data must never
 * choose a socket, a namespace path or a name for a live probe.
 */
export interface OfflineReader extends EngineReads {
  readonly kind: 'offline';
  /** The cluster name the file gives, for messages only. */
  readonly cluster: string;
}

export type EngineReader = LiveEngineReader | OfflineReader;

/** Where the answers come from, as messages name it. */
export function readerName(engine: EngineReader): string {
  return engine.kind === 'live' ? engine.endpoint.host : `snapshot:${engine.cluster}`;
}

export class Engine implements LiveEngineReader {
  readonly kind = 'live';

  private readonly http: EngineHttp;

  constructor(readonly endpoint: DockerEndpoint, private readonly options: EngineOptions) {
    this.http = new EngineHttp(endpoint);
  }

  private get(path: string, signal?: AbortSignal): Promise<unknown> {
    return this.call(`GET ${path}`, signal, (abortSignal) => this.http.json('GET', path, abortSignal));
  }

  info(signal?: AbortSignal) {
    return this.get('/info', signal);
  }
  version(signal?: AbortSignal) {
    return this.get('/version', signal);
  }
  services(signal?: AbortSignal) {
    // status=true adds ServiceStatus (running/desired) on API 1.41+, still one call.
    return this.get('/services?status=true', signal);
  }
  tasks(signal?: AbortSignal) {
    return this.get('/tasks', signal);
  }
  nodes(signal?: AbortSignal) {
    return this.get('/nodes', signal);
  }
  networks(signal?: AbortSignal) {
    return this.get('/networks', signal);
  }
  networkVerbose(id: string, signal?: AbortSignal) {
    return this.get(`/networks/${encodeURIComponent(id)}?verbose=true`, signal);
  }
  service(id: string, signal?: AbortSignal) {
    return this.get(`/services/${encodeURIComponent(id)}`, signal);
  }
  task(id: string, signal?: AbortSignal) {
    return this.get(`/tasks/${encodeURIComponent(id)}`, signal);
  }
  container(id: string, signal?: AbortSignal) {
    return this.get(`/containers/${encodeURIComponent(id)}/json`, signal);
  }

  /**
   * Streams Docker events of the given types until `signal` aborts or the stream ends.
   * Resolves when the stream ends; rejects with EngineError if it cannot start or sends an
   * event line too long to be one (then the stream is dropped).
   */
  async events(types: string[], actions: string[], onEvent: (event: DockerEvent) => void, signal: AbortSignal): Promise<void> {
    const path = `/events?filters=${encodeURIComponent(JSON.stringify({ type: types, event: actions }))}`;
    const stream = await this.call('GET /events', signal, (abortSignal) => this.http.stream(path, abortSignal));
    await new Promise<void>((resolve, reject) => {
      // Strings, not Buffers: the decoder keeps a character split between two chunks whole.
      stream.setEncoding('utf8');
      let pending = '';
      let settled = false;
      const onAbort = () => stream.destroy();
      const finish = (err?: EngineError) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      stream.on('data', (chunk: string) => {
        // Only the new chunk is searched for line ends: a stream without newlines costs its length, not its square.
        let start = 0;
        let newline: number;
        while ((newline = chunk.indexOf('\n', start)) >= 0) {
          const line = (pending + chunk.slice(start, newline)).trim();
          pending = '';
          start = newline + 1;
          if (!line) continue;
          try {
            onEvent(JSON.parse(line) as DockerEvent);
          } catch {
            // A malformed event line only costs that event; the poll catches up.
          }
        }
        pending += chunk.slice(start);
        if (pending.length > MAX_EVENT_LINE) {
          finish(badResponse('GET /events', 'an event line is longer than 1 MiB'));
          stream.destroy();
        }
      });
      stream.on('error', () => finish());
      stream.on('end', () => finish());
      stream.on('close', () => finish());
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private async call<T>(what: string, signal: AbortSignal | undefined, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (signal?.aborted) throw new EngineError('cancelled', 'Cancelled.', what);
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), this.options.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal;
    try {
      return await run(combined);
    } catch (err) {
      if (timeout.signal.aborted && !signal?.aborted) throw timeoutError(this.endpoint.host, `${what}: no answer in ${this.options.timeoutMs} ms`);
      if (err instanceof SyntaxError) throw badResponse(what, 'the body is not JSON');
      throw toEngineError(err, this.endpoint, what);
    } finally {
      clearTimeout(timer);
    }
  }
}
