// `swarm-lens collect`: everything from this node in one file, and the offline reader that makes
// a saved file answer like the live node did.
import * as path from 'node:path';
import { Cluster } from '../cluster/cluster';
import { fetchRawCluster } from '../cluster/fetch';
import { str } from '../cluster/read';
import { buildSnapshot } from '../cluster/snapshot';
import type { Task } from '../cluster/types';
import type { LiveEngineReader, SnapshotReader } from '../docker/engine';
import { EngineError } from '../docker/errors';
import type { Probe } from '../netns/probe';
import { HOST_NETNS, type ProbeOutput, type ProbeRequest } from '../netns/script';
import { chooseProbe, lbRequests, type TraceContext, type TraceRunOptions } from '../trace/run';
import { Bundle, BUNDLE_FORMAT, BUNDLE_VERSION } from './bundle';

/** Only a live engine: a snapshot's data must never steer a probe (see SnapshotReader). */
export async function collectBundle(engine: LiveEngineReader, options: TraceRunOptions, signal?: AbortSignal): Promise<Bundle> {
  const raw = await fetchRawCluster(engine, signal);
  const cluster = new Cluster(buildSnapshot(raw));
  const self = cluster.snapshot.engine;
  const local = cluster.snapshot.tasks.filter((t) => t.nodeId === self.nodeId && t.state === 'running' && t.containerId);
  const sandboxKeys: Record<string, string> = {};
  for (const t of local) {
    const key = str(await engine.container(t.containerId!, signal).catch(() => undefined), 'NetworkSettings', 'SandboxKey');
    if (key) sandboxKeys[t.containerId!] = key;
  }
  const anyKey = Object.values(sandboxKeys)[0];
  const nodes: Bundle['nodes'] = [];
  if (anyKey) {
    const netnsDir = path.dirname(anyKey);
    const requests: ProbeRequest[] = [
      { kind: 'sandbox', netns: HOST_NETNS },
      ...lbRequests(cluster, netnsDir, cluster.snapshot.networks.map((n) => n.id)),
      ...Object.values(sandboxKeys).map((netns) => ({ kind: 'sandbox' as const, netns })),
    ];
    // DNS as one client per service sees it: the first local task sharing a network with it.
    for (const service of cluster.services) {
      const client = local.find((t) => t.addresses.some((a) => service.networkIds.includes(a.networkId) && !cluster.network(a.networkId)?.ingress));
      const netns = client && sandboxKeys[client.containerId!];
      if (netns) requests.push({ kind: 'dns', netns, name: service.name }, { kind: 'dns', netns, name: `tasks.${service.name}` });
    }
    const probe = chooseProbe(engine, netnsDir, options);
    nodes.push({ node: self.nodeName, netnsDir, probe: probe.kind as 'host' | 'helper', sandboxKeys, output: await probe.run(requests, signal) });
  }
  return {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    takenAt: new Date().toISOString(),
    cluster: self.clusterId ?? self.nodeName,
    engine: engine.endpoint.host,
    raw,
    nodes,
  };
}

/** Everything a trace needs to run from a snapshot file instead of a live node. */
export function bundleTraceContext(bundle: Bundle, options: Omit<TraceRunOptions, 'probe'>): TraceContext {
  return {
    cluster: new Cluster(buildSnapshot(bundle.raw)),
    engine: bundleEngine(bundle),
    options: { ...options, probe: bundleProbe(bundle) },
    readableNodes: bundle.nodes.map((n) => n.node),
    takenAt: bundle.takenAt,
  };
}

/** Engine API reads answered from a snapshot file. */
export function bundleEngine(bundle: Bundle): SnapshotReader {
  const keys = Object.assign({}, ...bundle.nodes.map((n) => n.sandboxKeys)) as Record<string, string>;
  const r = bundle.raw;
  let tasks: Task[] | undefined;
  const notSaved = (what: string) => Promise.reject(new EngineError('api', `The snapshot does not hold ${what}: collect a new one, or connect to the cluster.`, what));
  return {
    kind: 'snapshot',
    cluster: bundle.cluster,
    info: async () => r.info,
    version: async () => r.version,
    services: async () => r.services,
    tasks: async () => r.tasks,
    nodes: async () => r.nodes,
    networks: async () => r.networks,
    networkVerbose: async (id) => r.verboseNetworks[id],
    service: async (id) => (Array.isArray(r.services) ? r.services.find((s) => str(s, 'ID') === id) : undefined) ?? notSaved(`service ${id}`),
    task: async (id) => (Array.isArray(r.tasks) ? r.tasks.find((t) => str(t, 'ID') === id) : undefined) ?? notSaved(`task ${id}`),
    container: async (id) => {
      const full = Object.keys(keys).find((k) => k.startsWith(id));
      if (!full) return notSaved(`the network namespace of container ${id.slice(0, 12)}`);
      // Docker names a task's container <service>.<slot>.<task id>; the task list has all three.
      tasks ??= buildSnapshot(r).tasks;
      const task = tasks.find((t) => t.containerId === full);
      return { Id: full, Name: `/${task ? `${task.name}.${task.id}` : full.slice(0, 12)}`, NetworkSettings: { SandboxKey: keys[full] } };
    },
  };
}

/** A probe that answers from what a snapshot recorded; what was not recorded reads as absent. */
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
