// Probe Load Distribution's report: a documented, versioned contract (`swarm-lens probe --json`),
// shared by the CLI and the trace panel's histogram.
export const PROBE_VERSION = 1;

/** The most connections one probe makes (the CLI, the panel, the message guard and the script's guard keep it). */
export const MAX_PROBE_CONNECTIONS = 1000;

export type ProbeCode =
  /** A backend the scheduler should use got none of the connections. */
  | 'backend-idle'
  /** A backend's share is far from what the scheduler should give it. */
  | 'spread-uneven'
  /** Connections that failed, grouped by where and why. */
  | 'connections-failed'
  /** Info: a backend out of rotation (weight 0, or its task stopped) got nothing, as it should. */
  | 'backend-not-serving'
  /** Info: connections IPVS's table no longer held when read (nothing says where they went). */
  | 'connections-unattributed'
  /** Info: the IPVS counters moved more than our connections did: others used the service meanwhile. */
  | 'other-traffic';

export interface ProbeFinding {
  code: ProbeCode;
  severity: 'error' | 'warning' | 'info';
  /** One plain sentence. */
  message: string;
  evidence: string[];
  fix?: string;
  /** The backend address it is about, when one. */
  address?: string;
}

export interface ProbeBackend {
  address: string;
  /** The task with this address (`vote.2`), or null when no task has it. */
  task: string | null;
  node: string | null;
  /** Connections that were accepted and went here. */
  connections: number;
  /** Connections that went here and failed (refused, timed out). */
  failed: number;
  /** The share of connections the scheduler should give it (0..1): equal for rr among weights > 0. */
  expectedShare: number;
  /** IPVS weight; null for dnsrr, or for a task that is no longer a backend. */
  weight: number | null;
  /** Why it gets no share, when it gets none: `weight 0`, `shutdown`... */
  notServing?: string;
  /** With --http: status line -> count. */
  http?: Record<string, number>;
}

export interface ProbeReport {
  version: typeof PROBE_VERSION;
  service: string;
  /** The client the connections came from: a task name, a container name, or `node2 (host)` for the routing mesh. */
  from: string;
  node: string;
  /** The VIP (or, through the mesh, the node address) dialled; null for dnsrr (each lookup's answer). */
  vip: string | null;
  port: number;
  /** How the spread was counted: IPVS's connection table, or (dnsrr) the DNS answers dialled. */
  mode: 'vip' | 'dnsrr' | 'mesh';
  scheduler: string | null;
  sent: number;
  connected: number;
  failed: number;
  backends: ProbeBackend[];
  findings: ProbeFinding[];
  takenAt: string;
  durationMs: number;
  /** What a person would type to see the same counts. */
  commands: string[];
}
