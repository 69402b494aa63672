// Probe Load Distribution: N TCP connections from a client's namespace to a service (its VIP, or
// for dnsrr each lookup's answer, or a node's published port), then where IPVS sent each one.
// The only traffic Swarm Lens ever sends, and only when asked: to that service's addresses, on
// one port, bounded in count and time (guard.ts checks the bounds again where the script runs).
import { randomInt } from 'node:crypto';
import * as path from 'node:path';
import { arr, num, splitCidr, str } from '../cluster/read';
import type { Service } from '../cluster/types';
import { EngineError } from '../docker/errors';
import { parseDnsAnswers } from '../parse';
import { HOST_NETNS, type ProbeRequest, type TrafficRequest } from '../netns/script';
import { chooseProbe, engineOn, traceMesh, traceService, type TraceContext } from '../trace/run';
import type { IpvsStep, Trace } from '../trace/types';
import { countProbe, type PoolMember, type ProbePlan } from './count';
import { MAX_PROBE_CONNECTIONS, type ProbeReport } from './types';

export interface ProbeOptions {
  /** How many connections (1 to 1000). */
  count: number;
  /** The port to connect to; default: the service's first TCP target port. */
  port?: number;
  /** The client container or task (`vote.1`); default: as Trace Load Balancing picks it. */
  from?: string;
  /** Send one `GET /` on each connection and count the status lines. */
  http?: boolean;
  /** Seconds each connect may take. */
  timeoutSeconds?: number;
  /** Through the routing mesh: enter at this published port on `node` (default the connected one). */
  published?: { port: number; node?: string };
}

export const DEFAULT_PROBE_COUNT = 100;
const DEFAULT_CONNECT_TIMEOUT_S = 2;

/** How long a run of `count` connections may take: 10 at a time, each at most `timeout` s, ~100 a second. */
export function probeTimeoutMs(count: number, timeoutSeconds: number, base: number): number {
  return base + Math.ceil(count / 10) * (timeoutSeconds + 0.5) * 1000;
}

const OFFLINE = 'A snapshot cannot send traffic: connect to the live swarm to probe.';

function fail(message: string, detail: string): never {
  throw new EngineError('api', message, detail);
}

/** The port the probe offers for a service: its first TCP target port, if it declares one. */
export function defaultProbePort(service: Service): number | undefined {
  return service.ports.find((p) => p.protocol === 'tcp')?.targetPort;
}

/** The port to dial: the one asked for, else the service's first TCP target port. UDP is not measured. */
function pickPort(ctx: TraceContext, serviceName: string, port: number | undefined): number {
  const service = ctx.cluster.service(serviceName)!;
  const declared = service.ports.filter((p) => port === undefined || p.targetPort === port || p.publishedPort === port);
  if (port !== undefined) {
    if (declared.length > 0 && declared.every((p) => p.protocol === 'udp')) fail(`Port ${port} of ${serviceName} is UDP, which the probe does not measure: a UDP datagram has no handshake to count. Probe a TCP port.`, `udp port ${port}`);
    return port;
  }
  return defaultProbePort(service) ?? fail(`${serviceName} declares no TCP port: give the port its tasks listen on (--port, or the Port box).`, 'no tcp port');
}

/** Backends as the source's node's IPVS has them, plus the service's stopped tasks (they should get nothing). */
function poolOf(ipvs: IpvsStep | null, stopped: PoolMember[]): PoolMember[] {
  const members: PoolMember[] = (ipvs?.backends ?? [])
    .filter((b) => b.address)
    .map((b) => ({ address: b.address!, task: b.task?.name ?? null, node: b.task?.node ?? null, weight: b.weight, ...(b.weight === 0 ? { notServing: 'weight 0' } : {}) }));
  const known = new Set(members.map((m) => m.address));
  return [...members, ...stopped.filter((m) => !known.has(m.address))];
}

const STOPPED = new Set(['shutdown', 'failed', 'complete', 'rejected', 'orphaned']);

/**
 * The newest stopped task of each of the service's slots that has no running task, with its
 * address on the networks `onNetwork` accepts: a backend that went away. Read from the task
 * history (the cluster read keeps only tasks meant to run); a scaled-down task is removed from
 * the swarm at once, so only a stopped task whose slot lives on can be named.
 */
async function stoppedMembers(ctx: TraceContext, service: Service, onNetwork: (networkId: string) => boolean): Promise<PoolMember[]> {
  const history = arr(await ctx.engine.tasks(ctx.signal).catch(() => []));
  const slotOf = (t: { slot?: number; nodeId: string }) => (t.slot !== undefined ? String(t.slot) : t.nodeId);
  const running = new Set(ctx.cluster.state.tasks.filter((t) => t.serviceId === service.id && t.state === 'running').map(slotOf));
  const newest = new Map<string, { member: PoolMember; at: string }>();
  for (const t of history) {
    const state = str(t, 'Status', 'State') ?? '';
    const nodeId = str(t, 'NodeID') ?? '';
    const slot = num(t, 'Slot');
    if (str(t, 'ServiceID') !== service.id || !STOPPED.has(state) || running.has(slotOf({ slot, nodeId }))) continue;
    const attachment = arr(t, 'NetworksAttachments').find((a) => onNetwork(str(a, 'Network', 'ID') ?? ''));
    const first = arr(attachment, 'Addresses')[0];
    const address = splitCidr(typeof first === 'string' ? first : undefined)?.address;
    const at = str(t, 'UpdatedAt') ?? '';
    const key = slotOf({ slot, nodeId });
    if (!address || (newest.get(key)?.at ?? '') > at) continue;
    const node = ctx.cluster.state.nodes.find((n) => n.id === nodeId)?.hostname ?? null;
    newest.set(key, { at, member: { address, task: `${service.name}.${slot ?? nodeId}`, node, weight: null, notServing: state } });
  }
  return [...newest.values()].map((v) => v.member);
}

function nameOf(ctx: TraceContext) {
  return (address: string) => {
    const owner = ctx.cluster.ownersOf(address).find((o) => o.kind === 'task');
    return owner?.kind === 'task' ? { task: owner.task.name, node: owner.task.nodeName } : { task: null, node: null };
  };
}

/** Source ports from a random base, one per connection, so each is found in IPVS's table. */
function sourcePorts(count: number): number {
  return randomInt(33000, 60999 - count);
}

async function send(ctx: TraceContext, node: string, netnsDir: string, requests: ProbeRequest[], timeoutMs: number) {
  const engine = await engineOn(ctx, node);
  const probe = chooseProbe(engine, netnsDir, { ...ctx.options, timeoutMs });
  if (probe.kind === 'offline') fail(OFFLINE, 'offline probe');
  return probe.run(requests, ctx.signal, node);
}

export async function probeDistribution(ctx: TraceContext, serviceName: string, options: ProbeOptions): Promise<ProbeReport> {
  return (await probeWithTrace(ctx, serviceName, options)).report;
}

/** The probe's report, and the trace it was planned from (what the panel shows above the histogram). */
export async function probeWithTrace(ctx: TraceContext, serviceName: string, options: ProbeOptions): Promise<{ report: ProbeReport; trace: Trace }> {
  if (ctx.engine.kind !== 'live') fail(OFFLINE, 'offline engine');
  const service = ctx.cluster.service(serviceName) ?? fail(`No service named "${serviceName}" in this swarm: "docker service ls" lists them.`, `unknown service ${serviceName}`);
  const count = options.count;
  if (!Number.isInteger(count) || count < 1 || count > MAX_PROBE_CONNECTIONS) fail(`The probe makes 1 to ${MAX_PROBE_CONNECTIONS} connections: pick a count in that range.`, `count ${count}`);
  const timeoutSeconds = options.timeoutSeconds ?? DEFAULT_CONNECT_TIMEOUT_S;
  if (options.published) return probeMesh(ctx, service.name, options, timeoutSeconds);
  const port = pickPort(ctx, service.name, options.port);
  const started = Date.now();
  const trace = await traceService(ctx, service.name, options.from);
  const source = trace.source ?? fail(`No running container shares a network with ${service.name} on a node Swarm Lens can read: run a client there, or name one with --from.`, 'no source');
  const dir = path.dirname(source.netns);
  const sourceTask = ctx.cluster.state.tasks.find((t) => t.id === source.task?.id);
  const sourceNetworks = new Set(sourceTask?.addresses.map((a) => a.networkName) ?? []);
  const common: Omit<ProbePlan, 'mode' | 'vip' | 'scheduler' | 'fwmark' | 'pool' | 'request' | 'commands'> = { service: service.name, from: source.task?.name ?? source.name, node: trace.node };
  const timeoutMs = probeTimeoutMs(count, timeoutSeconds, ctx.options.timeoutMs);
  const named = (names: Set<string>) => (id: string) => names.has(ctx.cluster.network(id)?.name ?? '');

  if (service.endpointMode === 'dnsrr') {
    // N lookups (one dig for all), then a connection to each lookup's first answer.
    const lookups = await send(ctx, trace.node, dir, Array.from({ length: count }, () => ({ kind: 'dns' as const, netns: source.netns, name: service.name })), timeoutMs);
    const targets = lookups.dns.map((d) => parseDnsAnswers(d.result.output).queries[0]?.answers.find((a) => a.type === 'A')?.address).filter((a): a is string => !!a);
    if (targets.length === 0) fail(`${service.name} did not resolve from ${common.from}: Trace Load Balancing shows the DNS answers.`, 'dnsrr: no answers');
    const request: TrafficRequest = { kind: 'traffic', netns: source.netns, targets, port, count, firstPort: sourcePorts(count), timeoutSeconds, http: !!options.http };
    const output = await send(ctx, trace.node, dir, [request], timeoutMs);
    const pool = poolOf(null, await stoppedMembers(ctx, service, named(sourceNetworks))).concat(
      ctx.cluster.state.tasks.filter((t) => t.serviceName === service.name && t.state === 'running').flatMap((t) => t.addresses.filter((a) => sourceNetworks.has(a.networkName)).map((a) => ({ address: a.address, task: t.name, node: t.nodeName, weight: null }))),
    );
    const plan: ProbePlan = { ...common, mode: 'dnsrr', vip: null, scheduler: 'DNS round robin', fwmark: null, pool: dedupe(pool), request, commands: [`docker exec ${common.from} nslookup ${service.name}  # x${count}, then a connection to each answer`] };
    return { report: countProbe(plan, output.traffic?.[0], trace.takenAt, Date.now() - started, nameOf(ctx)), trace };
  }

  const vip = trace.vips.find((v) => v.ipvs && sourceNetworks.has(v.network)) ?? trace.vips.find((v) => v.ipvs);
  if (!vip?.ipvs) throw noIpvs(trace, service.name);
  const lb = path.join(dir, vip.ipvs.sandbox);
  const request: TrafficRequest = { kind: 'traffic', netns: source.netns, lb, targets: [vip.address], port, count, firstPort: sourcePorts(count), timeoutSeconds, http: !!options.http };
  const output = await send(ctx, trace.node, dir, [request], timeoutMs);
  const plan: ProbePlan = {
    ...common,
    mode: 'vip',
    vip: vip.address,
    scheduler: vip.ipvs.scheduler,
    fwmark: vip.ipvs.fwmark,
    pool: poolOf(vip.ipvs, await stoppedMembers(ctx, service, named(new Set([vip.network])))),
    request,
    commands: [`nsenter --net=${lb} ipvsadm -Ln --stats --exact`, `nsenter --net=${lb} ipvsadm -Lnc`],
  };
  return { report: countProbe(plan, output.traffic?.[0], trace.takenAt, Date.now() - started, nameOf(ctx)), trace };
}

/** Through the routing mesh: from the node itself to its own published port (DNAT, ingress_sbox's IPVS). */
async function probeMesh(ctx: TraceContext, serviceName: string, options: ProbeOptions, timeoutSeconds: number): Promise<{ report: ProbeReport; trace: Trace }> {
  const { port, node: nodeName } = options.published!;
  const started = Date.now();
  const trace = await traceMesh(ctx, port, 'tcp', nodeName);
  const ipvs = trace.mesh[0]?.ipvs;
  if (!ipvs) throw noIpvs(trace, serviceName);
  const owner = trace.service?.name;
  if (owner !== serviceName) fail(`Port ${port} is ${owner ? `published by ${owner}` : 'not published by any service'}, not by ${serviceName}: pick the port ${serviceName} publishes.`, `mesh port ${port} owner ${owner}`);
  const node = ctx.cluster.state.nodes.find((n) => n.hostname === trace.node);
  const address = node?.address ?? fail(`The swarm does not say ${trace.node}'s address: probe through another node.`, 'no node address');
  const ingressSbox = trace.sandboxes.find((s) => s.kind === 'ingress')?.netns ?? fail('The routing mesh trace read no ingress sandbox.', 'no ingress_sbox');
  const count = options.count;
  const request: TrafficRequest = { kind: 'traffic', netns: HOST_NETNS, lb: ingressSbox, targets: [address], port, count, firstPort: sourcePorts(count), timeoutSeconds, http: !!options.http };
  const output = await send(ctx, trace.node, path.dirname(ingressSbox), [request], probeTimeoutMs(count, timeoutSeconds, ctx.options.timeoutMs));
  const plan: ProbePlan = {
    service: serviceName,
    from: `${trace.node} (host)`,
    node: trace.node,
    mode: 'mesh',
    vip: address,
    scheduler: ipvs.scheduler,
    fwmark: ipvs.fwmark,
    pool: poolOf(ipvs, await stoppedMembers(ctx, ctx.cluster.service(serviceName)!, (id) => !!ctx.cluster.network(id)?.ingress)),
    request,
    commands: [`nsenter --net=${ingressSbox} ipvsadm -Ln --stats --exact`, `nsenter --net=${ingressSbox} ipvsadm -Lnc`],
  };
  return { report: countProbe(plan, output.traffic?.[0], trace.takenAt, Date.now() - started, nameOf(ctx)), trace };
}

function dedupe(pool: PoolMember[]): PoolMember[] {
  return [...new Map(pool.map((m) => [m.address, m])).values()];
}

/** The trace's own sentence for why there is no IPVS service to probe. */
function noIpvs(trace: Trace, serviceName: string): EngineError {
  const why = trace.findings.find((f) => f.severity === 'error');
  return new EngineError('api', why ? `Nothing to probe on ${trace.node}: ${why.title}` : `${serviceName} has no IPVS service on ${trace.node} to probe: Trace Load Balancing shows why.`, `no ipvs for ${serviceName} on ${trace.node}`);
}
