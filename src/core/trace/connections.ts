// Which task answered: a load-balancer sandbox's IPVS connection table with each end named as
// its task and the virtual address as its service, plus the sandbox's IPVS timeouts and sysctls.
// Pure, like the join: the same outputs always give the same steps.
import * as path from 'node:path';
import type { Cluster } from '../cluster/cluster';
import { parseIpvsConnections, parseIpvsSysctls, parseIpvsTimeouts, type IpvsConnection, type IpvsEndpoint } from '../parse';
import type { SandboxDump } from '../netns/script';
import { taskRef } from './taskRef';
import type { ConnectionEnd, ConnectionStep, SandboxRead, Trace } from './types';

function end(cluster: Cluster, e: IpvsEndpoint): ConnectionEnd {
  const owner = cluster.ownersOf(e.address).find((o) => o.kind === 'task');
  return { address: e.address, port: e.port, ...(owner?.kind === 'task' ? { task: taskRef(owner.task) } : {}) };
}

export function connectionStep(cluster: Cluster, c: IpvsConnection): ConnectionStep {
  const backend = end(cluster, c.backend);
  const vip = cluster.ownersOf(c.virtual.address).find((o) => o.kind === 'vip');
  // In ingress_sbox the virtual address is the sandbox's own: the backend's task says whose it is.
  const service = vip?.kind === 'vip' ? vip.service.name : backend.task?.service;
  return {
    protocol: c.protocol,
    state: c.state,
    expiresInSeconds: c.expiresInSeconds,
    client: end(cluster, c.client),
    virtual: { address: c.virtual.address, port: c.virtual.port, ...(service ? { service } : {}) },
    backend,
  };
}

/** What a full read of a load-balancer sandbox adds to its SandboxRead; nothing for other reads. */
export function sandboxTraffic(cluster: Cluster, dump: SandboxDump): Pick<SandboxRead, 'connections' | 'timeouts' | 'sysctls'> {
  const s = dump.sections;
  const out: Pick<SandboxRead, 'connections' | 'timeouts' | 'sysctls'> = {};
  const table = s['ipvsadm-lnc'] && parseIpvsConnections(s['ipvsadm-lnc'].output);
  // An unrecognised answer (no IPVS, no ipvsadm) is "not read", never an empty table.
  if (table?.recognised) out.connections = table.connections.map((c) => connectionStep(cluster, c));
  if (s['ipvsadm-timeout']) out.timeouts = parseIpvsTimeouts(s['ipvsadm-timeout'].output);
  if (s['ipvs-sysctls']) out.sysctls = parseIpvsSysctls(s['ipvs-sysctls'].output);
  return out;
}

/** One row of a connection table as the CLI, the text output and the panel show it. */
export interface ConnectionRow extends ConnectionStep {
  /** The sandbox's file name (lb_<id>, ingress_sbox), with `<node>/` in a many-node trace. */
  sandbox: string;
}

/**
 * The connections a trace is about: for a service trace, those to that service (its VIP or its
 * tasks as backends); for the others, every connection read.
 */
export function traceConnections(trace: Trace): ConnectionRow[] {
  const name = trace.kind === 'service' ? trace.service?.name : undefined;
  return trace.sandboxes.flatMap((s) =>
    (s.connections ?? []).filter((c) => !name || c.virtual.service === name || c.backend.task?.service === name).map((c) => ({ ...c, sandbox: path.basename(s.netns) })),
  );
}

/** `14:59`, as ipvsadm prints it. */
export function formatExpiry(seconds: number): string {
  return `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
}

function endText(e: ConnectionEnd): string {
  return e.task ? `${e.task.name} on ${e.task.node} (${e.address}:${e.port})` : `${e.address}:${e.port}`;
}

/** `client.1 on node1 (10.0.1.7:41234) -> 10.0.1.5:80 (vote) -> vote.2 on node2 (10.0.1.9:80)  ESTABLISHED 14:59 left  [lb_1a2b3c4d5]` */
export function connectionLine(c: ConnectionRow): string {
  const virtual = `${c.virtual.address}:${c.virtual.port}${c.virtual.service ? ` (${c.virtual.service})` : ''}`;
  return `${endText(c.client)} -> ${virtual} -> ${endText(c.backend)}  ${c.protocol} ${c.state} ${formatExpiry(c.expiresInSeconds)} left  [${c.sandbox}]`;
}

/** `swarm-lens connections --json`: a contract; fields are only ever added. */
export interface ConnectionsReport {
  version: 1;
  service: string;
  node: string;
  connections: {
    client: ReportEnd;
    virtual: { address: string; port: number };
    backend: ReportEnd;
    state: string;
    expiresInSeconds: number;
    sandbox: string;
  }[];
}

interface ReportEnd {
  address: string;
  port: number;
  /** The task that has the address, and its node. */
  task?: string;
  node?: string;
}

function reportEnd(e: ConnectionEnd): ReportEnd {
  return { address: e.address, port: e.port, ...(e.task ? { task: e.task.name, node: e.task.node } : {}) };
}

export function connectionsReport(trace: Trace): ConnectionsReport {
  return {
    version: 1,
    service: trace.service?.name ?? '',
    node: trace.node,
    connections: traceConnections(trace).map((c) => ({
      client: reportEnd(c.client),
      virtual: { address: c.virtual.address, port: c.virtual.port },
      backend: reportEnd(c.backend),
      state: c.state,
      expiresInSeconds: c.expiresInSeconds,
      sandbox: c.sandbox,
    })),
  };
}

/** Why a trace holds no connection table at all (null when it holds one, even an empty one). */
export function connectionsUnread(trace: Trace): string | null {
  if (trace.sandboxes.some((s) => s.connections !== undefined)) return null;
  if (trace.service?.endpointMode === 'dnsrr') return `${trace.service.name} uses DNS round robin: clients connect to its tasks directly, with no IPVS connection table in between.`;
  const why = trace.findings.find((f) => f.id === 'ipvs-missing' || f.id === 'sandbox-unreadable' || f.id === 'lb-sandbox-missing');
  return `No IPVS connection table could be read on ${trace.node}${why ? `: ${why.title}` : ' (no load-balancer sandbox of the service was read).'}`;
}
