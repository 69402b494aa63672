// The three ways into a trace (a service, a container, a published port): decide which
// namespaces to read, read them in one probe run, join. Read-only toward the cluster.
import * as path from 'node:path';
import type { Cluster } from '../cluster/cluster';
import { str } from '../cluster/read';
import { readNetworkServices } from '../cluster/state';
import type { Task } from '../cluster/types';
import type { EngineReader } from '../docker/engine';
import { EngineError } from '../docker/errors';
import { howToReach, readableHostnames, type NodeReach } from '../nodes/reach';
import { canProbeFromHost, helperProbe, hostProbe, Probe, ProbeOptions } from '../netns/probe';
import { HOST_NETNS, type ProbeOutput, type ProbeRequest } from '../netns/script';
import { buildTrace, mergeMeshTraces, type TraceInput } from './join';
import { lbSandboxName, parseSandbox } from './sandbox';
import type { DnsStep, Trace } from './types';

export interface TraceRunOptions extends ProbeOptions {
  /** Seconds before re-reading a pool that had a backend at weight 0. */
  recheckDelayMs: number;
  /** Force one probe kind, or bring one (a bundle's). */
  probe?: 'host' | 'helper' | Probe;
}

export interface TraceContext {
  cluster: Cluster;
  /** The engine that answered the cluster read (a manager), or the bundle's offline reader. */
  engine: EngineReader;
  options: TraceRunOptions;
  signal?: AbortSignal;
  /** Each node's engine, when known; without it only the connected engine's node can be read. */
  nodes?: NodeReach[];
  /** Finds `nodes` when a trace first needs another node (asking every context takes a moment). */
  reach?: () => Promise<NodeReach[]>;
  /** When the outputs were taken: now for a live probe, the bundle's time offline. */
  takenAt?: string;
}

/** Hostnames whose namespaces this context can read, the connected node first. */
export function readableNodes(ctx: Pick<TraceContext, 'cluster' | 'nodes'>): string[] {
  return ctx.nodes ? readableHostnames(ctx.nodes) : [ctx.cluster.state.engine.nodeName];
}

/** Finds every node's engine once, if this context can. */
export async function ensureNodes(ctx: TraceContext): Promise<void> {
  if (!ctx.nodes && ctx.reach) ctx.nodes = await ctx.reach();
}

/** The engine that runs on `node`: the only one that can tell its containers' namespaces. */
export async function engineOn(ctx: TraceContext, node: string): Promise<EngineReader> {
  if (node === ctx.cluster.state.engine.nodeName && ctx.engine.kind === 'live') return ctx.engine;
  await ensureNodes(ctx);
  const reach = ctx.nodes?.find((n) => n.hostname === node);
  if (reach?.engine) return reach.engine;
  if (reach?.jobVia) throw new EngineError('unreachable', `${node} is reached only through a swarm job, which reads its load balancers (Check Load Balancing) but cannot find a container's namespace: add a docker context whose engine runs on ${node} to trace from it.`, `job only for ${node}`);
  // A bundle without per-node readers answers for the nodes it holds.
  if (!ctx.nodes && ctx.engine.kind === 'offline') return ctx.engine;
  throw new EngineError('unreachable', reach?.error ?? howToReach(node), `no engine for node ${node}`);
}

/** Running containers whose namespaces this context can read, on the first readable node that has any. */
function readableTasks(ctx: Pick<TraceContext, 'cluster' | 'nodes'>): Task[] {
  const nodes = readableNodes(ctx);
  const running = ctx.cluster.state.tasks.filter((t) => t.state === 'running' && t.containerId && nodes.includes(t.nodeName));
  return running.sort((a, b) => nodes.indexOf(a.nodeName) - nodes.indexOf(b.nodeName));
}

async function anyReadableTask(ctx: TraceContext, node?: string): Promise<Task> {
  if (node) await ensureNodes(ctx);
  const task = readableTasks(ctx).find((t) => !node || t.nodeName === node);
  const nodes = node ?? readableNodes(ctx).join(', ');
  if (!task) {
    if (node && !readableNodes(ctx).includes(node)) throw new EngineError('unreachable', ctx.nodes?.find((n) => n.hostname === node)?.error ?? howToReach(node), `no engine for node ${node}`);
    throw new EngineError('api', `No running container on ${nodes} to locate its network namespaces: trace from a node that runs a task.`, 'no container on node');
  }
  return task;
}

/**
 * The marks a node numbers its VIPs with (LocalLBIndex counts from 256 on each daemon): read from
 * that node's own engine, since the manager's answer holds the manager's numbers.
 */
async function nodeLbIndexes(ctx: TraceContext, engine: EngineReader, networkIds: string[]): Promise<Map<string, number> | undefined> {
  if (engine === ctx.engine) return undefined;
  const indexes = new Map<string, number>();
  await Promise.all(
    [...new Set(networkIds)].map(async (id) => {
      const verbose = await engine.networkVerbose(id, ctx.signal).catch(() => undefined);
      for (const s of readNetworkServices(verbose)) if (s.vip && s.mark) indexes.set(s.vip, s.mark.decimal);
    }),
  );
  return indexes;
}

/** The namespace folder of this node: where SandboxKey points, never a hard-coded path. */
async function sandboxOf(engine: EngineReader, containerId: string, signal?: AbortSignal): Promise<{ netns: string; name: string; id: string }> {
  const inspect = await engine.container(containerId, signal).catch((err: unknown) => {
    // Asked of the wrong node, a container is "no such container": say where it runs instead.
    if (err instanceof EngineError && /no such container/i.test(err.message)) throw new EngineError('api', `Container ${containerId.slice(0, 12)} is not on the node whose engine answered: name a task (vote.1) so Swarm Lens knows its node, or connect to that node's engine.`, err.detail);
    throw err;
  });
  const netns = str(inspect, 'NetworkSettings', 'SandboxKey');
  if (!netns) throw new EngineError('api', `Container ${containerId.slice(0, 12)} has no network namespace (is it running?): pick a running container.`, 'no SandboxKey');
  return { netns, name: (str(inspect, 'Name') ?? containerId).replace(/^\//, ''), id: str(inspect, 'Id') ?? containerId };
}

/** The probe the options ask for, or the host probe when it can work here, else a helper. */
export function chooseProbe(engine: EngineReader, netnsDir: string, options: TraceRunOptions): Probe {
  if (typeof options.probe === 'object') return options.probe;
  // A bundle brings its own offline probe; without one, its data must never reach a live probe.
  if (engine.kind !== 'live') throw new EngineError('config', 'A snapshot cannot read namespaces: connect to the live engine to trace or collect.', `live probe refused for ${engine.cluster}`);
  const kind = options.probe ?? (canProbeFromHost(engine.endpoint, netnsDir) ? 'host' : 'helper');
  return kind === 'host' ? hostProbe(netnsDir, options.timeoutMs) : helperProbe(engine.endpoint, netnsDir, options);
}

/** Running tasks whose namespaces can be read and that share a network with the service: DNS sources. */
export function sourceCandidates(ctx: Pick<TraceContext, 'cluster' | 'nodes'>, serviceName: string): Task[] {
  const service = ctx.cluster.service(serviceName);
  if (!service) return [];
  const networks = new Set(service.networkIds.filter((id) => !ctx.cluster.network(id)?.ingress));
  const onNode = readableTasks(ctx).filter((t) => t.addresses.some((a) => networks.has(a.networkId)));
  // A client's view first (another service's task), then the service's own tasks.
  return [...onNode.filter((t) => t.serviceId !== service.id), ...onNode.filter((t) => t.serviceId === service.id)];
}

/** Who asks DNS about `service` on a network, among a node's tasks: a client (another service's task) first. */
export function dnsSourceOn(tasks: readonly Task[], service: { id: string }, networkId: string): Task | undefined {
  const onNetwork = tasks.filter((t) => t.addresses.some((a) => a.networkId === networkId));
  return onNetwork.find((t) => t.serviceId !== service.id) ?? onNetwork[0];
}

/** `vote.1`, a task id, a container id (prefix) or a container name. */
export function findTask(cluster: Cluster, ref: string): Task | undefined {
  return cluster.state.tasks.find((t) => t.name === ref || t.id === ref || (ref.length >= 6 && (t.containerId?.startsWith(ref) || t.id.startsWith(ref))) || ref.startsWith(`${t.name}.${t.id}`));
}

async function probeAndJoin(ctx: TraceContext, node: { name: string; engine: EngineReader }, netnsDir: string, requests: ProbeRequest[], input: Omit<TraceInput, 'output' | 'probe' | 'takenAt' | 'recheck' | 'node' | 'lbIndexes'>): Promise<Trace> {
  const probe = chooseProbe(node.engine, netnsDir, ctx.options);
  const [output, lbIndexes] = await Promise.all([probe.run(requests, ctx.signal, node.name), nodeLbIndexes(ctx, node.engine, input.service?.vips.map((v) => v.networkId) ?? [])]);
  const recheck = await recheckZeroWeights(probe, output, node.name, ctx.options.recheckDelayMs, ctx.signal);
  return buildTrace({ ...input, output, recheck, probe: probe.kind, takenAt: ctx.takenAt ?? new Date().toISOString(), node: node.name, lbIndexes });
}

/** Weight 0 is normal for ~2 s while a task stops; read those sandboxes again before calling it a fault. */
export async function recheckZeroWeights(probe: Probe, output: ProbeOutput, node: string, delayMs: number, signal?: AbortSignal): Promise<ProbeOutput | undefined> {
  const zero = output.sandboxes.filter((d) => parseSandbox(d).ipvs.some((v) => v.backends.some((b) => b.weight === 0)));
  if (zero.length === 0) return undefined;
  await abortableDelay(delayMs, signal);
  return probe.run(zero.map((d) => ({ kind: 'sandbox', netns: d.netns })), signal, node);
}

function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new EngineError('cancelled', 'Cancelled.', 'recheck'));
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), reject(new EngineError('cancelled', 'Cancelled.', 'recheck'))), { once: true });
  });
}

/** A container to read from: its task (when the ref names one), its node, that node's engine, its sandbox. */
async function locate(ctx: TraceContext, ref: string) {
  const named = findTask(ctx.cluster, ref);
  const nodeName = named?.nodeName ?? ctx.cluster.state.engine.nodeName;
  const engine = await engineOn(ctx, nodeName);
  const source = await sandboxOf(engine, named?.containerId ?? ref, ctx.signal);
  const task = named ?? findTask(ctx.cluster, source.id);
  return { task, node: { name: nodeName, engine }, dir: path.dirname(source.netns), source: { containerId: source.id, name: source.name, task, netns: source.netns } };
}

export async function traceService(ctx: TraceContext, serviceName: string, from?: string): Promise<Trace> {
  const { cluster } = ctx;
  const service = cluster.service(serviceName);
  if (!service) throw new EngineError('api', `No service named "${serviceName}" in this swarm: "docker service ls" lists them.`, `unknown service ${serviceName}`);
  if (!from && sourceCandidates(ctx, service.name).length === 0) await ensureNodes(ctx);
  const sourceRef = from ?? sourceCandidates(ctx, service.name)[0]?.containerId;
  if (!sourceRef) {
    // Nothing to ask DNS from: still read the load balancers, through any container's folder.
    const any = await anyReadableTask(ctx);
    const engine = await engineOn(ctx, any.nodeName);
    const { netns } = await sandboxOf(engine, any.containerId!, ctx.signal);
    const dir = path.dirname(netns);
    return probeAndJoin(ctx, { name: any.nodeName, engine }, dir, lbRequests(cluster, dir, service.vips.map((v) => v.networkId)), {
      cluster, kind: 'service', service, leadCommands: [`docker network inspect --verbose ${service.vips.map((v) => v.networkName).join(' ')}`],
    });
  }
  const { node, dir, source } = await locate(ctx, sourceRef);
  const requests: ProbeRequest[] = [
    { kind: 'sandbox', netns: source.netns },
    ...lbRequests(cluster, dir, service.vips.map((v) => v.networkId)),
    { kind: 'dns', netns: source.netns, name: service.name },
    { kind: 'dns', netns: source.netns, name: `tasks.${service.name}` },
  ];
  return probeAndJoin(ctx, node, dir, requests, {
    cluster,
    kind: 'service',
    service,
    source,
    leadCommands: [`docker inspect -f '{{.NetworkSettings.SandboxKey}}' ${source.name}`, ...service.vips.map((v) => `docker network inspect --verbose ${v.networkName}`)],
  });
}

/**
 * The load balancers of these networks on a node: lb_<id> per overlay network (18.06+), and
 * ingress_sbox for the ingress network, which has no lb_ sandbox of its own.
 */
export function lbRequests(cluster: Cluster, dir: string, networkIds: string[]): ProbeRequest[] {
  const ids = [...new Set(networkIds)];
  const ingress = ids.some((id) => cluster.network(id)?.ingress);
  return [
    ...ids.filter((id) => !cluster.network(id)?.ingress).map((id) => ({ kind: 'sandbox' as const, netns: path.join(dir, lbSandboxName(id)) })),
    ...(ingress ? [{ kind: 'sandbox' as const, netns: path.join(dir, 'ingress_sbox') }] : []),
  ];
}

export async function traceContainer(ctx: TraceContext, ref: string): Promise<Trace> {
  const { cluster } = ctx;
  const { task, node, dir, source } = await locate(ctx, ref);
  const networkIds = task?.addresses.map((a) => a.networkId) ?? [];
  // Every service reachable from this container's networks: what its resolver and load balancers serve.
  const services = cluster.services.filter((s) => s.networkIds.some((n) => networkIds.includes(n)) && !cluster.network(s.networkIds[0])?.ingress).slice(0, 20);
  const requests: ProbeRequest[] = [
    { kind: 'sandbox', netns: source.netns },
    ...lbRequests(cluster, dir, networkIds.filter((n) => !cluster.network(n)?.ingress)),
    ...services.map((s) => ({ kind: 'dns' as const, netns: source.netns, name: s.name })),
  ];
  return probeAndJoin(ctx, node, dir, requests, {
    cluster,
    kind: 'container',
    source,
    leadCommands: [`docker inspect -f '{{.NetworkSettings.SandboxKey}}' ${source.name}`],
  });
}

/** One DNS question asked from a container's namespace, answered and joined to the cluster. */
export async function resolveName(ctx: TraceContext, ref: string, name: string): Promise<DnsStep> {
  const { node, dir, source } = await locate(ctx, ref);
  const trace = await probeAndJoin(ctx, node, dir, [{ kind: 'dns', netns: source.netns, name }], {
    cluster: ctx.cluster,
    kind: 'container',
    source,
    leadCommands: [],
  });
  return trace.dns[0] ?? { query: name, status: 'NOT ASKED', answers: [], expected: [], command: '' };
}

/** The routing mesh of a published port on one node (default: the first readable one). */
export async function traceMesh(ctx: TraceContext, port: number, protocol = 'tcp', nodeName?: string): Promise<Trace> {
  const { cluster } = ctx;
  const service = cluster.services.find((s) => s.ports.some((p) => p.publishedPort === port && p.protocol === protocol && p.publishMode === 'ingress'));
  const any = await anyReadableTask(ctx, nodeName);
  const engine = await engineOn(ctx, any.nodeName);
  const { netns } = await sandboxOf(engine, any.containerId!, ctx.signal);
  const dir = path.dirname(netns);
  const requests: ProbeRequest[] = [
    { kind: 'sandbox', netns: HOST_NETNS },
    { kind: 'sandbox', netns: path.join(dir, 'ingress_sbox') },
  ];
  return probeAndJoin(ctx, { name: any.nodeName, engine }, dir, requests, {
    cluster,
    kind: 'mesh',
    service,
    port: { port, protocol },
    leadCommands: [`iptables -t nat -nvL DOCKER-INGRESS`],
  });
}

/** The routing mesh of a published port on every node that can be read, side by side. */
export async function traceMeshEverywhere(ctx: TraceContext, port: number, protocol = 'tcp'): Promise<Trace> {
  await ensureNodes(ctx);
  const nodes = ctx.nodes ?? [{ nodeId: ctx.cluster.state.engine.nodeId, hostname: ctx.cluster.state.engine.nodeName, engine: ctx.engine }];
  const results = await Promise.all(
    nodes.map(async (n) => {
      if (!n.engine) return { node: n.hostname, why: n.error ?? howToReach(n.hostname) };
      try {
        return await traceMesh(ctx, port, protocol, n.hostname);
      } catch (err) {
        if (err instanceof EngineError && err.kind === 'cancelled') throw err;
        return { node: n.hostname, why: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
  const traces = results.filter((r): r is Trace => 'mesh' in r);
  const unreached = results.filter((r): r is { node: string; why: string } => !('mesh' in r));
  if (traces.length === 0) throw new EngineError('unreachable', unreached[0]?.why ?? 'No node could be read.', 'mesh on no node');
  return traces.length === 1 && unreached.length === 0 ? traces[0] : mergeMeshTraces(traces, unreached);
}
