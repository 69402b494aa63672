// Which Engine API runs on which swarm node. A manager lists every task but can enter only its own
// node's namespaces, so a trace or a check on another node needs an engine that runs there:
// the engine Swarm Lens is connected to, a node address the user mapped (swarmLens.nodes,
// --node-host), or any docker context whose /info answers with that node's ID.
import type { Cluster } from '../cluster/cluster';
import { str } from '../cluster/read';
import type { EngineReader } from '../docker/engine';
import { contextEndpoint, listContexts, nodeHostEndpoint, type DockerEndpoint, type EndpointInputs } from '../docker/endpoint';
import { EngineError, toEngineError } from '../docker/errors';

export type ReachVia =
  | { kind: 'engine' }
  | { kind: 'setting'; host: string }
  | { kind: 'context'; context: string }
  | { kind: 'offline' }
  /** A short-lived swarm job through the connected manager (opt-in): load balancers only. */
  | { kind: 'job' };

export interface NodeReach {
  nodeId: string;
  hostname: string;
  via?: ReachVia;
  engine?: EngineReader;
  /** Why the node is not reached: one sentence that says how to reach it. */
  error?: string;
  /** An address was configured for this node and failed: worse than no address at all. */
  configured?: boolean;
  /** Reached by a swarm job through this manager: its namespaces can be read, its engine not asked. */
  jobVia?: DockerEndpoint;
}

/** An engine that may run on some node: a mapped address (for `node`) or a context (any node). */
export interface ReachCandidate {
  via: Extract<ReachVia, { kind: 'setting' | 'context' }>;
  /** Or why the address given is not one (reported on the node it names). */
  endpoint: DockerEndpoint | { invalid: string };
  /** The node hostname or ID a mapping names; contexts name none. */
  node?: string;
}

export interface ReachOptions {
  /** Per /info call: a context that does not answer soon is not worth waiting for. */
  timeoutMs: number;
  engineFor(endpoint: DockerEndpoint): EngineReader & { kind: 'live' };
  /** The user turned swarm jobs on: a node reached no other way is read through one. */
  swarmJobs?: boolean;
}

export function viaText(via: ReachVia | undefined): string {
  switch (via?.kind) {
    case 'engine':
      return 'the connected engine';
    case 'setting':
      return `address ${via.host} (swarmLens.nodes / --node-host)`;
    case 'context':
      return `docker context ${via.context}`;
    case 'offline':
      return 'the snapshot';
    case 'job':
      return 'a swarm job (load balancers only)';
    default:
      return 'not reached';
  }
}

/** The sentence for a node Swarm Lens has no engine for. */
export function howToReach(hostname: string): string {
  return `Swarm Lens cannot reach ${hostname}'s engine: add a docker context whose engine runs on ${hostname} ("docker context create"), or map ${hostname} to its Docker address in the setting swarmLens.nodes (--node-host ${hostname}=HOST on the CLI).`;
}

/**
 * Finds an engine for every node of the cluster. All candidates are asked at once, each with a
 * short timeout; a mapping beats a context for the node it names, and a mapping that answers
 * for another node (or not at all) is reported on the node it names.
 */
export async function reachNodes(cluster: Cluster, connected: EngineReader, candidates: ReachCandidate[], options: ReachOptions, signal?: AbortSignal): Promise<NodeReach[]> {
  const nodes = cluster.state.nodes;
  const self = cluster.state.engine;
  const connectedHost = connected.kind === 'live' ? connected.endpoint.host : undefined;
  const asked = await Promise.all(
    candidates
      .filter((c) => 'invalid' in c.endpoint || c.endpoint.host !== connectedHost)
      .map(async (c) => {
        if ('invalid' in c.endpoint) return { candidate: c, failure: c.endpoint.invalid };
        const engine = options.engineFor(c.endpoint);
        try {
          const info = await engine.info(AbortSignal.any([AbortSignal.timeout(options.timeoutMs), ...(signal ? [signal] : [])]));
          return { candidate: c, engine, nodeId: str(info, 'Swarm', 'NodeID') ?? '' };
        } catch (err) {
          if (signal?.aborted) throw new EngineError('cancelled', 'Cancelled.', 'reach nodes');
          return { candidate: c, failure: toEngineError(err, c.endpoint, 'GET /info').message };
        }
      }),
  );
  return nodes.map((node): NodeReach => {
    const base = { nodeId: node.id, hostname: node.hostname };
    if (node.id === self.nodeId) return { ...base, via: { kind: 'engine' }, engine: connected };
    const mapped = asked.filter((a) => a.candidate.node === node.hostname || a.candidate.node === node.id);
    const good = mapped.find((a) => a.nodeId === node.id) ?? asked.find((a) => a.candidate.via.kind === 'context' && a.nodeId === node.id);
    if (good?.engine) return { ...base, via: good.candidate.via, engine: good.engine };
    const bad = mapped[0];
    if (bad) {
      const other = nodes.find((n) => n.id === bad.nodeId);
      const why = bad.failure
        ? `${node.hostname}'s address ${bad.candidate.via.kind === 'setting' ? bad.candidate.via.host : ''} does not answer (${bad.failure.replace(/\.$/, '')}): check swarmLens.nodes / --node-host, or that its engine runs.`
        : `swarmLens.nodes maps ${node.hostname} to ${bad.candidate.via.kind === 'setting' ? bad.candidate.via.host : ''}, but that engine is ${other ? other.hostname : `not in this swarm (node ID "${bad.nodeId || 'none'}")`}: fix the mapping.`;
      return { ...base, error: why, configured: true };
    }
    // Only a node that is up can run a job; one that is down is named as unreached.
    if (options.swarmJobs && connected.kind === 'live' && node.state === 'ready') return { ...base, via: { kind: 'job' }, jobVia: connected.endpoint };
    return { ...base, error: howToReach(node.hostname) };
  });
}

/** Nodes whose namespaces can be read at all: through their engine or a swarm job. */
export function readable(n: NodeReach): boolean {
  return !!n.engine || !!n.jobVia;
}

/** Hostnames whose namespaces can be read, the connected node first. */
export function readableHostnames(nodes: readonly NodeReach[]): string[] {
  return [...nodes].sort((a, b) => Number(b.via?.kind === 'engine') - Number(a.via?.kind === 'engine')).filter((n) => n.engine).map((n) => n.hostname);
}

/** Parses `NODE=HOST` pairs (the CLI's --node-host, the setting's entries) into candidates. */
export function mappedCandidates(pairs: Record<string, unknown>, endpoint: (host: string) => DockerEndpoint): ReachCandidate[] {
  return Object.entries(pairs)
    .filter((e): e is [string, string] => !!e[0].trim() && typeof e[1] === 'string' && !!e[1].trim())
    .map(([node, host]) => ({ via: { kind: 'setting' as const, host: host.trim() }, endpoint: tryEndpoint(() => endpoint(host)), node: node.trim() }));
}

function tryEndpoint(make: () => DockerEndpoint): ReachCandidate['endpoint'] {
  try {
    return make();
  } catch (err) {
    return { invalid: (err as Error).message.replace(/\.$/, '') };
  }
}

/** Every docker context as a candidate; one whose files are broken is skipped, it names no node. */
export function contextCandidates(names: string[], endpoint: (name: string) => DockerEndpoint): ReachCandidate[] {
  return names.flatMap((context) => {
    const e = tryEndpoint(() => endpoint(context));
    return 'invalid' in e ? [] : [{ via: { kind: 'context' as const, context }, endpoint: e }];
  });
}

/**
 * The candidates this machine offers: the mapped addresses first (a value without `://` names a
 * docker context, so its TLS files come along), then every docker context.
 */
export function reachCandidates(inputs: EndpointInputs, mapped: Record<string, unknown>): ReachCandidate[] {
  const endpoint = (value: string) => (value.includes('://') ? nodeHostEndpoint(inputs, value) : contextEndpoint(inputs, value.trim()));
  return [...mappedCandidates(mapped, endpoint), ...contextCandidates(listContexts(inputs).map((c) => c.name), (name) => contextEndpoint(inputs, name))];
}
