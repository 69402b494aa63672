// A trace's connection tables as rows, lines and the `connections --json` report, and a
// sandbox's IPVS settings as text: pure over the Trace, with no Node import, so the panel (in a
// browser), the text output and the CLI spell them the same way.
import type { ConnectionEnd, ConnectionStep, SandboxRead, Trace } from './types';

const basename = (p: string): string => p.split('/').pop() || p;

/** One row of a connection table as the CLI, the text output and the panel show it. */
export interface ConnectionRow extends ConnectionStep {
  /** The sandbox's file name (lb_<id>, ingress_sbox). */
  sandbox: string;
}

/**
 * The connections a trace is about: for a service trace, those to that service (its VIP or its
 * tasks as backends); for the others, every connection read.
 */
export function traceConnections(trace: Trace): ConnectionRow[] {
  const name = trace.kind === 'service' ? trace.service?.name : undefined;
  return trace.sandboxes.flatMap((s) =>
    (s.connections ?? []).filter((c) => !name || c.virtual.service === name || c.backend.task?.service === name).map((c) => ({ ...c, sandbox: basename(s.netns) })),
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

/** `timeouts tcp 900 s, tcpfin 120 s, udp 300 s; conn_reuse_mode 0, ...`, or null when nothing was read. */
export function ipvsSettingsText(s: SandboxRead): string | null {
  const parts: string[] = [];
  if (s.timeouts !== undefined) parts.push(s.timeouts ? `timeouts tcp ${s.timeouts.tcp} s, tcpfin ${s.timeouts.tcpfin} s, udp ${s.timeouts.udp} s` : 'timeouts not read');
  const sysctls = Object.entries(s.sysctls ?? {});
  if (sysctls.length) parts.push(sysctls.map(([k, v]) => `${k} ${v ?? 'not read'}`).join(', '));
  return parts.length ? parts.join('; ') : null;
}
