// Check Load Balancing: every reachable node read at once (one probe run per node, through its own
// engine), each compared with the control plane. Read-only, like a trace.
import * as path from 'node:path';
import { forEachLimited } from '../cluster/fetch';
import { compareText } from '../cluster/order';
import { str } from '../cluster/read';
import { readNetworkServices } from '../cluster/state';
import type { NetworkServiceEntry, Service, Task } from '../cluster/types';
import type { EngineReader } from '../docker/engine';
import { EngineError, toEngineError } from '../docker/errors';
import { readable, viaText, type NodeReach } from '../nodes/reach';
import { DEFAULT_NETNS_DIR, JOB_LABEL, jobProbe } from '../netns/jobProbe';
import { HOST_NETNS, type ProbeRequest } from '../netns/script';
import { chooseProbe, dnsSourceOn, ensureNodes, lbRequests, recheckZeroWeights, type TraceContext } from '../trace/run';
import { parseSandbox } from '../trace/sandbox';
import { compareNode, type HealthMap, type NodeReading } from './compare';
import { CHECK_VERSION, type CheckFinding, type CheckReport } from './types';

/** Container inspects in flight per node: a node with hundreds of tasks must not flood its engine. */
const INSPECT_CONCURRENCY = 8;

/** Checks the named services (all when none) on every node the context reaches. */
export async function checkLoadBalancing(ctx: TraceContext, serviceNames: string[] = []): Promise<CheckReport> {
  const { cluster } = ctx;
  const unknown = serviceNames.filter((n) => !cluster.service(n));
  if (unknown.length) throw new EngineError('api', `No service named "${unknown[0]}" in this swarm: "docker service ls" lists them.`, `unknown service ${unknown[0]}`);
  const services = serviceNames.length ? serviceNames.map((n) => cluster.service(n)!) : [...cluster.services].filter((s) => s.mode !== 'replicated-job' && s.mode !== 'global-job' && s.labels[JOB_LABEL] !== '1');
  await ensureNodes(ctx);
  // Rows in hostname order, the same on every run whatever order the engine lists nodes in.
  const nodes: NodeReach[] = [...(ctx.nodes ?? [{ nodeId: cluster.state.engine.nodeId, hostname: cluster.state.engine.nodeName, via: { kind: 'engine' as const }, engine: ctx.engine }])].sort((a, b) => compareText(a.hostname, b.hostname));
  const reached = nodes.filter(readable);
  // Every node at once, each on its own: its verbose networks, its containers' sandboxes and
  // health, then one probe run. Only the comparison waits for all (health comes from every node).
  const failed = new Map<string, string>();
  const details = new Map<string, string>();
  const readings = await Promise.all(
    reached.map(async (n) => {
      try {
        const local = n.engine ? await readLocal(ctx, n, services) : jobLocal(ctx, n);
        return { local, reading: await probeNode(ctx, n, local, services) };
      } catch (err) {
        const e = toEngineError(err, undefined, `check ${n.hostname}`);
        if (e.kind === 'cancelled') throw e;
        failed.set(n.hostname, e.message);
        details.set(n.hostname, e.detail);
        return undefined;
      }
    }),
  );
  const health: HealthMap = new Map();
  for (const r of readings) if (r) for (const [id, h] of r.local.health) health.set(id, h);
  const findings: CheckFinding[] = readings.flatMap((r) => (r ? compareNode(cluster, r.reading, services, health) : []));
  for (const n of nodes) {
    const error = readable(n) ? failed.get(n.hostname) : n.error;
    if (error === undefined) continue;
    const ready = cluster.state.nodes.find((x) => x.id === n.nodeId)?.state === 'ready';
    findings.push({
      code: 'node-unreachable',
      // An address that was set up and fails is an error; a node nobody said how to reach is a gap.
      severity: n.configured || readable(n) ? 'error' : 'warning',
      node: n.hostname,
      service: '*',
      message: readable(n) ? `${n.hostname} could not be checked: ${error}` : error,
      evidence: [`swarm node state: ${ready ? 'ready' : 'not ready'}`, `reached through: ${viaText(n.via)}`, ...(details.has(n.hostname) ? [`detail: ${details.get(n.hostname)}`] : [])],
    });
  }
  const order = new Map(nodes.map((n, i) => [n.hostname, i]));
  const serviceOrder = new Map(services.map((s, i) => [s.name, i]));
  findings.sort((a, b) => (order.get(a.node) ?? 0) - (order.get(b.node) ?? 0) || (serviceOrder.get(a.service) ?? -1) - (serviceOrder.get(b.service) ?? -1) || a.code.localeCompare(b.code));
  return {
    version: CHECK_VERSION,
    takenAt: ctx.takenAt ?? new Date().toISOString(),
    nodes: nodes.map((n) => ({ id: n.nodeId, hostname: n.hostname, reachable: readable(n) && !failed.has(n.hostname), via: viaText(n.via), ...(readable(n) ? (failed.has(n.hostname) ? { error: failed.get(n.hostname) } : {}) : { error: n.error }) })),
    services: services.map((s) => s.name),
    findings,
  };
}

interface LocalState {
  /** The node's own engine; none when a swarm job reads it. */
  engine?: EngineReader;
  /** Container id -> SandboxKey, for this node's running task containers. */
  sandboxKeys: Map<string, string>;
  tasks: Task[];
  health: HealthMap;
  views: Map<string, NetworkServiceEntry[]>;
}

async function readLocal(ctx: TraceContext, node: NodeReach, services: Service[]): Promise<LocalState> {
  const engine = node.engine!;
  const tasks = ctx.cluster.state.tasks.filter((t) => t.nodeName === node.hostname && t.state === 'running' && t.containerId);
  const sandboxKeys = new Map<string, string>();
  const health: HealthMap = new Map();
  const networkIds = [...new Set(services.flatMap((s) => [...s.networkIds, ...s.vips.map((v) => v.networkId)]))];
  const views = new Map<string, NetworkServiceEntry[]>();
  await Promise.all([
    forEachLimited(tasks, INSPECT_CONCURRENCY, async (t) => {
      const inspect = await engine.container(t.containerId!, ctx.signal).catch((err: unknown) => {
        if (err instanceof EngineError && err.kind === 'cancelled') throw err;
        return undefined; // gone since the cluster read: it simply is not a source
      });
      const key = str(inspect, 'NetworkSettings', 'SandboxKey');
      if (key) sandboxKeys.set(t.containerId!, key);
      const status = str(inspect, 'State', 'Health', 'Status');
      if (status) health.set(t.id, status);
    }),
    ...networkIds.map(async (id) => {
      const verbose = await engine.networkVerbose(id, ctx.signal).catch(() => undefined);
      if (verbose !== undefined) views.set(id, readNetworkServices(verbose));
    }),
  ]);
  return { engine, sandboxKeys, tasks: tasks.filter((t) => sandboxKeys.has(t.containerId!)), health, views };
}

/**
 * What a swarm job can know of a node without its engine: its running tasks (the manager lists
 * them), the default netns folder; no sandbox keys (so no DNS view), no LocalLBIndex, no health.
 */
function jobLocal(ctx: TraceContext, node: NodeReach): LocalState {
  const tasks = ctx.cluster.state.tasks.filter((t) => t.nodeName === node.hostname && t.state === 'running');
  return { sandboxKeys: new Map(), tasks, health: new Map(), views: new Map() };
}

async function probeNode(ctx: TraceContext, node: NodeReach, local: LocalState, services: Service[]): Promise<NodeReading> {
  const { cluster } = ctx;
  const anyKey = local.sandboxKeys.values().next().value as string | undefined;
  if (!anyKey && local.engine) throw new EngineError('api', `no running container on ${node.hostname} to locate its network namespaces`, 'no SandboxKey');
  const dir = anyKey ? path.dirname(anyKey) : DEFAULT_NETNS_DIR;
  const localNetworks = new Set(local.tasks.flatMap((t) => t.addresses.map((a) => a.networkId)));
  const overlays = [...new Set(services.flatMap((s) => s.networkIds))].filter((id) => localNetworks.has(id) && !cluster.network(id)?.ingress);
  const mesh = services.some((s) => s.ports.some((p) => p.publishMode === 'ingress' && p.publishedPort));
  const ingressId = cluster.state.networks.find((n) => n.ingress)?.id;
  const sandboxes = [...lbRequests(cluster, dir, [...overlays, ...(mesh && ingressId ? [ingressId] : [])]), ...(mesh ? [{ kind: 'sandbox' as const, netns: HOST_NETNS }] : [])];
  const requests: ProbeRequest[] = sandboxes.map((r) => ({ ...r, brief: true }));
  const asked: { networkId: string; netns: string; name: string }[] = [];
  for (const networkId of overlays) {
    for (const service of services.filter((s) => s.networkIds.includes(networkId))) {
      const source = dnsSourceOn(local.tasks.filter((t) => local.sandboxKeys.has(t.containerId!)), service, networkId);
      if (!source) continue;
      const netns = local.sandboxKeys.get(source.containerId!)!;
      for (const name of [service.name, `tasks.${service.name}`]) {
        requests.push({ kind: 'dns', netns, name });
        asked.push({ networkId, netns, name });
      }
    }
  }
  const probe = local.engine ? chooseProbe(local.engine, dir, ctx.options) : jobProbe(node.jobVia!, node.nodeId, dir, ctx.options);
  const output = await probe.run(requests, ctx.signal, node.hostname);
  const recheck = await recheckZeroWeights(probe, output, node.hostname, ctx.options.recheckDelayMs, ctx.signal);
  // Pair each DNS answer with the network it was asked for.
  const dns = asked.flatMap((q) => {
    const dump = output.dns.find((d) => d.netns === q.netns && d.name === q.name);
    return dump ? [{ networkId: q.networkId, dump }] : [];
  });
  return { hostname: node.hostname, views: local.views, sandboxes: output.sandboxes.map(parseSandbox), recheck: recheck?.sandboxes.map(parseSandbox), dns, localNetworks };
}
