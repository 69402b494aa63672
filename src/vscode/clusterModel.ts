// Owns the cluster: which engine, the cached cluster, offline mode, loading and errors. Views only map it.
import * as vscode from 'vscode';
import { Bundle } from '../core/bundle/bundle';
import { bundleEngine, bundleTraceContext } from '../core/bundle/collect';
import { Engine, EngineReader } from '../core/docker/engine';
import { DockerEndpoint, EndpointError, resolveEndpoint } from '../core/docker/endpoint';
import { EngineError, toEngineError } from '../core/docker/errors';
import { systemEndpointInputs } from '../core/docker/system';
import { Cluster } from '../core/cluster/cluster';
import { loadCluster } from '../core/cluster/load';
import type { TraceContext } from '../core/trace/run';
import { reachCandidates, reachNodes, type NodeReach } from '../core/nodes/reach';
import { str } from '../core/cluster/read';
import type { Log } from './log';
import { Disposable, toDisposable } from './lifecycle';
import { readSettings } from './settings';

export type ModelState =
  | { kind: 'idle' }
  | { kind: 'loading'; previous?: Cluster }
  | { kind: 'ready'; cluster: Cluster; loadedAt: Date }
  | { kind: 'error'; error: EngineError };

/** Values of the `swarmLens.connection` context key, which picks the welcome view. */
export type ConnectionContext = 'idle' | 'loading' | 'ready' | 'unreachable' | 'not-swarm' | 'not-manager' | 'error';

const OPEN_BUNDLE_KEY = 'swarmLens.openSnapshot';
const REACH_TTL_MS = 60_000;

export class ClusterModel extends Disposable {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private current: ModelState = { kind: 'idle' };
  private engineCache?: { key: string; engine: Engine; apiVersion?: string };
  private inFlight?: { controller: AbortController; done: Promise<void> };
  /** While set, everything answers from this bundle instead of a live engine (offline). */
  private opened?: { bundle: Bundle; label: string; reach?: NodeReach[] };
  /** Which engine runs on which node: asked again after REACH_TTL_MS, or when anything it depends on changes. */
  private reachCache?: { key: string; at: number; nodes: Promise<NodeReach[]>; settled?: NodeReach[] };

  /** `memento` keeps which snapshot file is open, so a window reload shows it again. */
  constructor(private readonly log: Log, private readonly memento?: vscode.Memento) {
    super();
    this.register(toDisposable(() => this.inFlight?.controller.abort()));
  }

  /** The bundle file open before a reload, if any. */
  get rememberedBundle(): { file: string; label: string } | undefined {
    return this.memento?.get<{ file: string; label: string }>(OPEN_BUNDLE_KEY);
  }

  get state(): ModelState {
    return this.current;
  }

  /** The newest cluster read, also while a refresh is running. */
  get cluster(): Cluster | undefined {
    return this.current.kind === 'ready' ? this.current.cluster : this.current.kind === 'loading' ? this.current.previous : undefined;
  }

  /** The live engine's address; none while offline. */
  get endpoint(): DockerEndpoint | undefined {
    return this.opened ? undefined : this.engineCache?.engine.endpoint;
  }

  /** The bundle shown offline, if any: `snapshot of <cluster> taken <time>`. */
  get offline(): { label: string; cluster: string; takenAt: string; bundle: Bundle } | undefined {
    return this.opened && { label: this.opened.label, cluster: this.opened.bundle.cluster, takenAt: this.opened.bundle.takenAt, bundle: this.opened.bundle };
  }

  /** Goes offline: shows a bundle (or the demo) instead of the live engine, until useLive(). */
  openOffline(bundle: Bundle, label: string, file?: string): Promise<void> {
    this.opened = { bundle, label };
    if (file) void this.memento?.update(OPEN_BUNDLE_KEY, { file, label });
    void vscode.commands.executeCommand('setContext', 'swarmLens.snapshot', true);
    return this.refresh();
  }

  useLive(): Promise<void> {
    this.opened = undefined;
    void this.memento?.update(OPEN_BUNDLE_KEY, undefined);
    void vscode.commands.executeCommand('setContext', 'swarmLens.snapshot', false);
    return this.refresh();
  }

  /** The source of reads: the bundle's recorded answers, or the live engine. */
  reader(): EngineReader {
    return this.opened ? bundleEngine(this.opened.bundle) : this.engine();
  }

  /** What a trace needs, for the live engine or the bundle shown offline. */
  async traceContext(signal?: AbortSignal): Promise<TraceContext> {
    const settings = readSettings();
    const options = { timeoutMs: Math.max(settings.timeoutMs, 30000), helperImage: settings.helperImage, recheckDelayMs: 3000, probe: settings.probe === 'auto' ? undefined : settings.probe };
    if (this.opened) return { ...bundleTraceContext(this.opened.bundle, options), signal };
    const cluster = await this.requireCluster();
    return { cluster, engine: this.engine(), options, signal, nodes: await this.nodeReach(cluster) };
  }

  /** The cluster, loading it if needed; the read's own error (one sentence) when it cannot be read. */
  async requireCluster(): Promise<Cluster> {
    const cluster = await this.ensureLoaded();
    if (cluster) return cluster;
    throw this.current.kind === 'error' ? this.current.error : new EngineError('api', 'The swarm could not be read: see the Swarm Lens log.', 'no cluster');
  }

  /** How each node is reached, as far as known now (the Nodes view); undefined until first asked. */
  get reach(): NodeReach[] | undefined {
    // A bundle holds some nodes' namespaces: computed once per file opened.
    if (this.opened) return (this.opened.reach ??= bundleTraceContext(this.opened.bundle, { timeoutMs: 0, helperImage: '', recheckDelayMs: 0 }).nodes);
    return this.reachCache?.settled;
  }

  /** Each node's own engine: the connected one, swarmLens.nodes, or a docker context that answers as that node. */
  nodeReach(cluster: Cluster): Promise<NodeReach[]> {
    const settings = readSettings();
    const inputs = systemEndpointInputs();
    const engine = this.engine();
    const candidates = reachCandidates(inputs, settings.nodes);
    const key = JSON.stringify([engine.endpoint.host, settings.timeoutMs, settings.swarmJob, candidates.map((c) => [c.via, c.node, 'invalid' in c.endpoint ? c.endpoint.invalid : c.endpoint.host]), cluster.state.nodes.map((n) => [n.id, n.hostname])]);
    if (this.reachCache?.key === key && Date.now() - this.reachCache.at < REACH_TTL_MS) return this.reachCache.nodes;
    const timeoutMs = Math.min(settings.timeoutMs, 5000);
    const nodes = reachNodes(cluster, engine, candidates, { timeoutMs, engineFor: (endpoint) => new Engine(endpoint, { timeoutMs: settings.timeoutMs }), swarmJobs: settings.swarmJob });
    const entry: NonNullable<ClusterModel['reachCache']> = { key, at: Date.now(), nodes };
    this.reachCache = entry;
    void nodes.then(
      (found) => {
        entry.settled = found;
        const missing = found.filter((n) => !n.engine);
        this.log.info(`Node reach: ${found.filter((n) => n.engine).map((n) => `${n.hostname} (${n.via?.kind === 'context' ? `context ${n.via.context}` : n.via?.kind})`).join(', ')}${missing.length ? `; not reached: ${missing.map((n) => n.hostname).join(', ')}` : ''}`);
        if (this.reachCache === entry) this.changed.fire();
      },
      () => {
        if (this.reachCache === entry) this.reachCache = undefined;
      },
    );
    return nodes;
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
    // A refresh that an event's refresh replaced settles early: wait for the newest.
    while (this.inFlight) await this.inFlight.done;
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
        // The Nodes view shows how each node is reached; asking takes a moment, so not in the refresh.
        if (!this.opened) void this.nodeReach(cluster).catch(() => undefined);
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
    if (this.opened) {
      const cluster = await loadCluster(bundleEngine(this.opened.bundle), signal);
      this.log.info(`Showing ${this.opened.label}: ${cluster.state.services.length} services, taken ${this.opened.bundle.takenAt}`);
      return cluster;
    }
    const engine = this.engine();
    const cache = this.engineCache;
    const started = Date.now();
    const cluster = await loadCluster(engine, signal);
    if (cache && cache.apiVersion === undefined) {
      // Once per engine, not per refresh: the status bar shows it.
      cache.apiVersion = str(await engine.version(signal).catch(() => undefined), 'ApiVersion') ?? '';
    }
    const s = cluster.state;
    this.log.info(`Read ${s.services.length} services, ${s.tasks.length} tasks, ${s.nodes.length} nodes, ${s.networks.length} networks from ${engine.endpoint.host} in ${Date.now() - started} ms`);
    for (const warning of s.warnings) this.log.warn(warning);
    return cluster;
  }

  private setState(state: ModelState): void {
    this.current = state;
    void vscode.commands.executeCommand('setContext', 'swarmLens.connection', connectionContext(state));
    this.changed.fire();
  }
}

function connectionContext(state: ModelState): ConnectionContext {
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
