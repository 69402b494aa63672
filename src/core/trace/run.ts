// The three ways into a trace (a service, a container, a published port): decide which
// namespaces to read, read them in one probe run, join. Read-only toward the cluster.
import * as path from 'node:path';
import type { Cluster } from '../cluster/cluster';
import { str } from '../cluster/read';
import type { Task } from '../cluster/types';
import type { EngineReader } from '../docker/engine';
import { EngineError } from '../docker/errors';
import { canProbeFromHost, helperProbe, hostProbe, Probe, ProbeOptions } from '../netns/probe';
import { HOST_NETNS, type ProbeOutput, type ProbeRequest } from '../netns/script';
import { buildTrace, type TraceInput } from './join';
import { lbSandboxName, parseSandbox } from './sandbox';
import type { DnsStep, Trace } from './types';

export interface TraceRunOptions extends ProbeOptions {
  /** Seconds before re-reading a pool that had a backend at weight 0. */
  recheckDelayMs: number;
  /** Force one probe kind, or bring one (a snapshot's). */
  probe?: 'host' | 'helper' | Probe;
}

export interface TraceContext {
  cluster: Cluster;
  engine: EngineReader;
  options: TraceRunOptions;
  signal?: AbortSignal;
  /** Hostnames whose namespaces can be read: the node that answers (live), or a snapshot's nodes. */
  readableNodes?: string[];
  /** When the outputs were taken: now for a live probe, the snapshot's time offline. */
  takenAt?: string;
}

/** Running containers whose namespaces this context can read, on the first readable node that has any. */
function readableTasks(ctx: TraceContext): Task[] {
  const nodes = ctx.readableNodes ?? [ctx.cluster.snapshot.engine.nodeName];
  const running = ctx.cluster.snapshot.tasks.filter((t) => t.state === 'running' && t.containerId && nodes.includes(t.nodeName));
  return running.sort((a, b) => nodes.indexOf(a.nodeName) - nodes.indexOf(b.nodeName));
}

function anyReadableTask(ctx: TraceContext): Task {
  const task = readableTasks(ctx)[0];
  const nodes = (ctx.readableNodes ?? [ctx.cluster.snapshot.engine.nodeName]).join(', ');
  if (!task) throw new EngineError('api', `No running container on ${nodes} to locate its network namespaces: trace from a node that runs a task.`, 'no container on node');
  return task;
}

/** The namespace folder of this node: where SandboxKey points, never a hard-coded path. */
async function sandboxOf(engine: EngineReader, containerId: string, signal?: AbortSignal): Promise<{ netns: string; name: string; id: string }> {
  const inspect = await engine.container(containerId, signal);
  const netns = str(inspect, 'NetworkSettings', 'SandboxKey');
  if (!netns) throw new EngineError('api', `Container ${containerId.slice(0, 12)} has no network namespace (is it running?): pick a running container.`, 'no SandboxKey');
  return { netns, name: (str(inspect, 'Name') ?? containerId).replace(/^\//, ''), id: str(inspect, 'Id') ?? containerId };
}

/** The probe the options ask for, or the host probe when it can work here, else a helper. */
export function chooseProbe(engine: EngineReader, netnsDir: string, options: TraceRunOptions): Probe {
  if (typeof options.probe === 'object') return options.probe;
  // A snapshot brings its own offline probe; without one, its data must never reach a live probe.
  if (engine.kind !== 'live') throw new EngineError('config', 'A snapshot cannot read namespaces: connect to the live engine to trace or collect.', `live probe refused for ${engine.cluster}`);
  const kind = options.probe ?? (canProbeFromHost(engine.endpoint, netnsDir) ? 'host' : 'helper');
  return kind === 'host' ? hostProbe(netnsDir, options.timeoutMs) : helperProbe(engine.endpoint, netnsDir, options);
}

/** Running tasks whose namespaces can be read and that share a network with the service: DNS sources. */
export function sourceCandidates(ctx: Pick<TraceContext, 'cluster' | 'readableNodes'>, serviceName: string): Task[] {
  const service = ctx.cluster.service(serviceName);
  if (!service) return [];
  const networks = new Set(service.networkIds.filter((id) => !ctx.cluster.network(id)?.ingress));
  const onNode = readableTasks(ctx as TraceContext).filter((t) => t.addresses.some((a) => networks.has(a.networkId)));
  // A client's view first (another service's task), then the service's own tasks.
  return [...onNode.filter((t) => t.serviceId !== service.id), ...onNode.filter((t) => t.serviceId === service.id)];
}

/** `vote.1`, a task id, a container id (prefix) or a container name. */
export function findTask(cluster: Cluster, ref: string): Task | undefined {
  return cluster.snapshot.tasks.find((t) => t.name === ref || t.id === ref || (ref.length >= 6 && (t.containerId?.startsWith(ref) || t.id.startsWith(ref))) || ref.startsWith(`${t.name}.${t.id}`));
}

async function probeAndJoin(ctx: TraceContext, node: string, netnsDir: string, requests: ProbeRequest[], input: Omit<TraceInput, 'output' | 'probe' | 'takenAt' | 'recheck' | 'node'>): Promise<Trace> {
  const probe = chooseProbe(ctx.engine, netnsDir, ctx.options);
  const output = await probe.run(requests, ctx.signal, node);
  const recheck = await recheckZeroWeights(ctx, probe, output, node);
  return buildTrace({ ...input, output, recheck, probe: probe.kind, takenAt: ctx.takenAt ?? new Date().toISOString(), node });
}

/** Weight 0 is normal for ~2 s while a task stops; read those sandboxes again before calling it a fault. */
async function recheckZeroWeights(ctx: TraceContext, probe: Probe, output: ProbeOutput, node: string): Promise<ProbeOutput | undefined> {
  const zero = output.sandboxes.filter((d) => parseSandbox(d).ipvs.some((v) => v.backends.some((b) => b.weight === 0)));
  if (zero.length === 0) return undefined;
  await abortableDelay(ctx.options.recheckDelayMs, ctx.signal);
  return probe.run(zero.map((d) => ({ kind: 'sandbox', netns: d.netns })), ctx.signal, node);
}

function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new EngineError('cancelled', 'Cancelled.', 'recheck'));
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), reject(new EngineError('cancelled', 'Cancelled.', 'recheck'))), { once: true });
  });
}

export async function traceService(ctx: TraceContext, serviceName: string, from?: string): Promise<Trace> {
  const { cluster, engine, signal } = ctx;
  const service = cluster.service(serviceName);
  if (!service) throw new EngineError('api', `No service named "${serviceName}" in this swarm: "docker service ls" lists them.`, `unknown service ${serviceName}`);
  const sourceTask = from ? findTask(cluster, from) : sourceCandidates(ctx, service.name)[0];
  const sourceContainer = sourceTask?.containerId ?? from;
  if (!sourceContainer) {
    // Nothing to ask DNS from: still read the load balancers, through any container's folder.
    const any = anyReadableTask(ctx);
    const { netns } = await sandboxOf(engine, any.containerId!, signal);
    const dir = path.dirname(netns);
    return probeAndJoin(ctx, any.nodeName, dir, lbRequests(cluster, dir, service.vips.map((v) => v.networkId)), {
      cluster, kind: 'service', service, leadCommands: [`docker network inspect --verbose ${service.vips.map((v) => v.networkName).join(' ')}`],
    });
  }
  const source = await sandboxOf(engine, sourceContainer, signal);
  const dir = path.dirname(source.netns);
  const sourceNode = (sourceTask ?? findTask(cluster, source.id))?.nodeName ?? cluster.snapshot.engine.nodeName;
  const requests: ProbeRequest[] = [
    { kind: 'sandbox', netns: source.netns },
    ...lbRequests(cluster, dir, service.vips.map((v) => v.networkId)),
    { kind: 'dns', netns: source.netns, name: service.name },
    { kind: 'dns', netns: source.netns, name: `tasks.${service.name}` },
  ];
  return probeAndJoin(ctx, sourceNode, dir, requests, {
    cluster,
    kind: 'service',
    service,
    source: { containerId: source.id, name: source.name, task: sourceTask ?? findTask(cluster, source.id), netns: source.netns },
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
  const { cluster, engine, signal } = ctx;
  const task = findTask(cluster, ref);
  const source = await sandboxOf(engine, task?.containerId ?? ref, signal);
  const dir = path.dirname(source.netns);
  const networkIds = task?.addresses.map((a) => a.networkId) ?? [];
  // Every service reachable from this container's networks: what its resolver and load balancers serve.
  const services = cluster.services.filter((s) => s.networkIds.some((n) => networkIds.includes(n)) && !cluster.network(s.networkIds[0])?.ingress).slice(0, 20);
  const requests: ProbeRequest[] = [
    { kind: 'sandbox', netns: source.netns },
    ...lbRequests(cluster, dir, networkIds.filter((n) => !cluster.network(n)?.ingress)),
    ...services.map((s) => ({ kind: 'dns' as const, netns: source.netns, name: s.name })),
  ];
  return probeAndJoin(ctx, task?.nodeName ?? cluster.snapshot.engine.nodeName, dir, requests, {
    cluster,
    kind: 'container',
    source: { containerId: source.id, name: source.name, task, netns: source.netns },
    leadCommands: [`docker inspect -f '{{.NetworkSettings.SandboxKey}}' ${source.name}`],
  });
}

/** One DNS question asked from a container's namespace, answered and joined to the cluster. */
export async function resolveName(ctx: TraceContext, ref: string, name: string): Promise<DnsStep> {
  const task = findTask(ctx.cluster, ref);
  const source = await sandboxOf(ctx.engine, task?.containerId ?? ref, ctx.signal);
  const trace = await probeAndJoin(ctx, task?.nodeName ?? ctx.cluster.snapshot.engine.nodeName, path.dirname(source.netns), [{ kind: 'dns', netns: source.netns, name }], {
    cluster: ctx.cluster,
    kind: 'container',
    source: { containerId: source.id, name: source.name, task, netns: source.netns },
    leadCommands: [],
  });
  return trace.dns[0] ?? { query: name, status: 'NOT ASKED', answers: [], expected: [], command: '' };
}

export async function traceMesh(ctx: TraceContext, port: number, protocol = 'tcp'): Promise<Trace> {
  const { cluster, engine, signal } = ctx;
  const service = cluster.services.find((s) => s.ports.some((p) => p.publishedPort === port && p.protocol === protocol && p.publishMode === 'ingress'));
  const any = anyReadableTask(ctx);
  const { netns } = await sandboxOf(engine, any.containerId!, signal);
  const dir = path.dirname(netns);
  const requests: ProbeRequest[] = [
    { kind: 'sandbox', netns: HOST_NETNS },
    { kind: 'sandbox', netns: path.join(dir, 'ingress_sbox') },
  ];
  return probeAndJoin(ctx, any.nodeName, dir, requests, {
    cluster,
    kind: 'mesh',
    service,
    port: { port, protocol },
    leadCommands: [`iptables -t nat -nvL DOCKER-INGRESS`],
  });
}
