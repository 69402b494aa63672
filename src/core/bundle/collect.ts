// `swarm-lens collect`: everything from every reachable node in one file, and the offline reader that makes
// a saved file answer like the live node did.
import * as path from 'node:path';
import { Cluster } from '../cluster/cluster';
import { fetchRawCluster } from '../cluster/fetch';
import { obj, str } from '../cluster/read';
import { buildClusterState } from '../cluster/state';
import type { Task } from '../cluster/types';
import type { LiveEngineReader, OfflineReader } from '../docker/engine';
import { EngineError } from '../docker/errors';
import type { Probe } from '../netns/probe';
import { HOST_NETNS, type ProbeOutput, type ProbeRequest } from '../netns/script';
import { chooseProbe, dnsSourceOn, lbRequests, type TraceContext, type TraceRunOptions } from '../trace/run';
import type { NodeReach } from '../nodes/reach';
import { Bundle, BUNDLE_FORMAT, BUNDLE_VERSION, type NodeDump } from './bundle';

/**
 * Only live engines: a bundle's data must never steer a probe (see OfflineReader). Every node
 * in `nodes` that has an engine is read, in parallel; without `nodes`, the connected node alone.
 */
export async function collectBundle(engine: LiveEngineReader, options: TraceRunOptions, signal?: AbortSignal, reached?: NodeReach[]): Promise<Bundle> {
  const raw = await fetchRawCluster(engine, signal);
  const cluster = new Cluster(buildClusterState(raw));
  const self = cluster.state.engine;
  const live = (reached ?? [{ nodeId: self.nodeId, hostname: self.nodeName, engine }]).filter((n) => n.engine?.kind === 'live');
  const dumps = await Promise.all(live.map((n) => collectNode(cluster, n.nodeId, n.hostname, n.engine as LiveEngineReader, options, signal)));
  return {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    takenAt: new Date().toISOString(),
    cluster: self.clusterId ?? self.nodeName,
    engine: engine.endpoint.host,
    raw,
    nodes: dumps.filter((d): d is NodeDump => !!d),
  };
}

/** One node's sandboxes, DNS views and verbose networks, read through its own engine. */
async function collectNode(cluster: Cluster, nodeId: string, hostname: string, engine: LiveEngineReader, options: TraceRunOptions, signal?: AbortSignal): Promise<NodeDump | undefined> {
  const local = cluster.state.tasks.filter((t) => t.nodeId === nodeId && t.state === 'running' && t.containerId);
  const sandboxKeys: Record<string, string> = {};
  for (const t of local) {
    const key = str(await engine.container(t.containerId!, signal).catch(() => undefined), 'NetworkSettings', 'SandboxKey');
    if (key) sandboxKeys[t.containerId!] = key;
  }
  const anyKey = Object.values(sandboxKeys)[0];
  if (!anyKey) return undefined;
  const netnsDir = path.dirname(anyKey);
  const requests: ProbeRequest[] = [
    { kind: 'sandbox', netns: HOST_NETNS },
    ...lbRequests(cluster, netnsDir, cluster.state.networks.map((n) => n.id)),
    ...Object.values(sandboxKeys).map((netns) => ({ kind: 'sandbox' as const, netns })),
  ];
  // DNS as a client of each service sees it on each network, chosen as a live check chooses it.
  const asked = new Set<string>();
  for (const service of cluster.services) {
    for (const networkId of service.networkIds.filter((id) => !cluster.network(id)?.ingress)) {
      const client = dnsSourceOn(local.filter((t) => sandboxKeys[t.containerId!]), service, networkId);
      const netns = client && sandboxKeys[client.containerId!];
      if (!netns || asked.has(`${netns} ${service.name}`)) continue;
      asked.add(`${netns} ${service.name}`);
      requests.push({ kind: 'dns', netns, name: service.name }, { kind: 'dns', netns, name: `tasks.${service.name}` });
    }
  }
  const probe = chooseProbe(engine, netnsDir, options);
  const verboseNetworks: Record<string, unknown> = {};
  const [output] = await Promise.all([
    probe.run(requests, signal, hostname),
    ...cluster.state.networks.map(async (n) => (verboseNetworks[n.id] = await engine.networkVerbose(n.id, signal).catch(() => undefined))),
  ]);
  return { node: hostname, netnsDir, probe: probe.kind as 'host' | 'helper', sandboxKeys, output, verboseNetworks };
}

/** Everything a trace needs to run from a bundle instead of a live node: each node it holds answers as that node. */
export function bundleTraceContext(bundle: Bundle, options: Omit<TraceRunOptions, 'probe'>): TraceContext {
  const cluster = new Cluster(buildClusterState(bundle.raw));
  const held = new Set(bundle.nodes.map((n) => n.node));
  const nodes: NodeReach[] = cluster.state.nodes.map((n) =>
    held.has(n.hostname)
      ? { nodeId: n.id, hostname: n.hostname, via: { kind: 'offline' }, engine: bundleEngine(bundle, n.hostname) }
      : { nodeId: n.id, hostname: n.hostname, error: `The snapshot holds no namespaces of ${n.hostname}: collect it again with ${n.hostname} reachable (a docker context, or swarmLens.nodes).` },
  );
  // A file whose node list does not match its own cluster data still answers for what it holds.
  for (const n of bundle.nodes) if (!nodes.some((r) => r.hostname === n.node)) nodes.push({ nodeId: '', hostname: n.node, via: { kind: 'offline' }, engine: bundleEngine(bundle, n.node) });
  return { cluster, engine: bundleEngine(bundle), options: { ...options, probe: bundleProbe(bundle) }, nodes, takenAt: bundle.takenAt };
}

/** Engine API reads answered from a bundle; with `node`, as that node's engine answered. */
export function bundleEngine(bundle: Bundle, node?: string): OfflineReader {
  const dumps = bundle.nodes.filter((n) => node === undefined || n.node === node);
  const keys = Object.assign({}, ...dumps.map((n) => n.sandboxKeys)) as Record<string, string>;
  const verbose = node !== undefined ? obj(dumps[0]?.verboseNetworks) : undefined;
  const r = bundle.raw;
  let tasks: Task[] | undefined;
  const notSaved = (what: string) => Promise.reject(new EngineError('api', `The snapshot does not hold ${what}: collect a new one, or connect to the cluster.`, what));
  return {
    kind: 'offline',
    cluster: bundle.cluster,
    info: async () => r.info,
    version: async () => r.version,
    services: async () => r.services,
    tasks: async () => r.tasks,
    nodes: async () => r.nodes,
    networks: async () => r.networks,
    networkVerbose: async (id) => (verbose ? verbose[id] : r.verboseNetworks[id]),
    service: async (id) => (Array.isArray(r.services) ? r.services.find((s) => str(s, 'ID') === id) : undefined) ?? notSaved(`service ${id}`),
    task: async (id) => (Array.isArray(r.tasks) ? r.tasks.find((t) => str(t, 'ID') === id) : undefined) ?? notSaved(`task ${id}`),
    container: async (id) => {
      const full = Object.keys(keys).find((k) => k.startsWith(id));
      if (!full) return notSaved(`the network namespace of container ${id.slice(0, 12)}`);
      // Docker names a task's container <service>.<slot>.<task id>; the task list has all three.
      tasks ??= buildClusterState(r).tasks;
      const task = tasks.find((t) => t.containerId === full);
      return { Id: full, Name: `/${task ? `${task.name}.${task.id}` : full.slice(0, 12)}`, NetworkSettings: { SandboxKey: keys[full] } };
    },
  };
}

/** A probe that answers from what a bundle recorded; what was not recorded reads as absent. */
export function bundleProbe(bundle: Bundle): Probe {
  return {
    kind: 'offline',
    run: async (requests, _signal, node): Promise<ProbeOutput> => {
      // ingress_sbox and /proc/1/ns/net exist on every node: answer from the node asked about.
      const nodes = bundle.nodes.filter((n) => !node || n.node === node);
      const sandboxes = nodes.flatMap((n) => n.output.sandboxes);
      const dns = nodes.flatMap((n) => n.output.dns);
      return {
        sandboxes: requests.flatMap((r) => (r.kind === 'sandbox' ? sandboxes.filter((s) => s.netns === r.netns).slice(0, 1) : [])),
        dns: requests.flatMap((r) => (r.kind === 'dns' ? dns.filter((d) => d.netns === r.netns && d.name === r.name).slice(0, 1) : [])),
      };
    },
  };
}
