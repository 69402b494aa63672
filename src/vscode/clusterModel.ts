// Owns the cluster: which engine, the cached snapshot, loading and errors. Views only map it.
import * as vscode from 'vscode';
import { Engine } from '../core/docker/engine';
import { DockerEndpoint, EndpointError, resolveEndpoint } from '../core/docker/endpoint';
import { EngineError, toEngineError } from '../core/docker/errors';
import { systemEndpointInputs } from '../core/docker/system';
import { Cluster } from '../core/cluster/cluster';
import { loadCluster } from '../core/cluster/load';
import { str } from '../core/cluster/read';
import type { Log } from './log';
import { readSettings } from './settings';

export type ModelState =
  | { kind: 'idle' }
  | { kind: 'loading'; previous?: Cluster }
  | { kind: 'ready'; cluster: Cluster; loadedAt: Date }
  | { kind: 'error'; error: EngineError };

/** Values of the `swarmLens.connection` context key, which picks the welcome view. */
export type ConnectionContext = 'idle' | 'loading' | 'ready' | 'unreachable' | 'not-swarm' | 'not-manager' | 'error';

export class ClusterModel implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private current: ModelState = { kind: 'idle' };
  private engineCache?: { key: string; engine: Engine; apiVersion?: string };
  private inFlight?: { controller: AbortController; done: Promise<void> };

  constructor(private readonly log: Log) {}

  get state(): ModelState {
    return this.current;
  }

  /** The newest cluster read, also while a refresh is running. */
  get cluster(): Cluster | undefined {
    return this.current.kind === 'ready' ? this.current.cluster : this.current.kind === 'loading' ? this.current.previous : undefined;
  }

  get endpoint(): DockerEndpoint | undefined {
    return this.engineCache?.engine.endpoint;
  }

  get apiVersion(): string | undefined {
    return this.engineCache?.apiVersion;
  }

  /** The engine for the current settings; throws EngineError('config') when they name no valid engine. */
  engine(): Engine {
    const settings = readSettings();
    let endpoint: DockerEndpoint;
    try {
      endpoint = resolveEndpoint(systemEndpointInputs({ hostSetting: settings.dockerHost, contextSetting: settings.dockerContext }));
    } catch (err) {
      if (err instanceof EndpointError) throw new EngineError('config', err.message, err.message);
      throw err;
    }
    const key = JSON.stringify([endpoint, settings.timeoutMs]);
    if (this.engineCache?.key !== key) this.engineCache = { key, engine: new Engine(endpoint, { timeoutMs: settings.timeoutMs }) };
    return this.engineCache.engine;
  }

  /** Loads once if nothing was loaded yet; otherwise returns what is cached or in flight. */
  async ensureLoaded(): Promise<Cluster | undefined> {
    if (this.current.kind === 'idle') await this.refresh();
    else if (this.inFlight) await this.inFlight.done;
    return this.cluster;
  }

  /** Starts a new read, cancelling one in flight; resolves when the state has settled. Never rejects. */
  refresh(): Promise<void> {
    this.inFlight?.controller.abort();
    const controller = new AbortController();
    const previous = this.cluster;
    this.setState({ kind: 'loading', previous });
    const done = this.load(controller.signal).then(
      (cluster) => {
        if (controller.signal.aborted) return;
        this.setState({ kind: 'ready', cluster, loadedAt: new Date() });
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        const error = toEngineError(err, this.engineCache?.engine.endpoint, 'refresh');
        this.log.error(`${error.message} [${error.kind}] ${error.detail}`);
        this.setState({ kind: 'error', error });
      },
    );
    const entry = { controller, done };
    this.inFlight = entry;
    void done.finally(() => {
      if (this.inFlight === entry) this.inFlight = undefined;
    });
    // Progress where the work shows: in the Services view, not a notification.
    void vscode.window.withProgress({ location: { viewId: 'swarmLens.services' } }, () => done);
    return done;
  }

  private async load(signal: AbortSignal): Promise<Cluster> {
    const engine = this.engine();
    const cache = this.engineCache;
    const started = Date.now();
    const cluster = await loadCluster(engine, signal);
    if (cache && cache.apiVersion === undefined) {
      // Once per engine, not per refresh: the status bar shows it.
      cache.apiVersion = str(await engine.version(signal).catch(() => undefined), 'ApiVersion') ?? '';
    }
    const s = cluster.snapshot;
    this.log.info(`Read ${s.services.length} services, ${s.tasks.length} tasks, ${s.nodes.length} nodes, ${s.networks.length} networks from ${engine.endpoint.host} in ${Date.now() - started} ms`);
    for (const warning of s.warnings) this.log.warn(warning);
    return cluster;
  }

  private setState(state: ModelState): void {
    this.current = state;
    void vscode.commands.executeCommand('setContext', 'swarmLens.connection', connectionContext(state));
    this.changed.fire();
  }

  dispose(): void {
    this.inFlight?.controller.abort();
    this.changed.dispose();
  }
}

export function connectionContext(state: ModelState): ConnectionContext {
  if (state.kind !== 'error') return state.kind;
  switch (state.error.kind) {
    case 'no-socket':
    case 'refused':
    case 'permission':
    case 'unreachable':
    case 'tls':
    case 'timeout':
    case 'config':
      return 'unreachable';
    case 'not-swarm':
      return 'not-swarm';
    case 'not-manager':
      return 'not-manager';
    default:
      return 'error';
  }
}
