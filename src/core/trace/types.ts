// The Trace: one value, documented and versioned, that the panel, the CLI (--json) and saved
// snapshots share. Bump TRACE_VERSION on any change a reader would notice.

export const TRACE_VERSION = 1;

export type Severity = 'error' | 'warning' | 'info';

export type FindingId =
  | 'ipvs-missing'
  | 'lb-sandbox-missing'
  | 'vip-no-mark'
  | 'mark-no-ipvs'
  | 'ipvs-no-mark'
  | 'stale-backend'
  | 'missing-backend'
  | 'weight-zero'
  | 'shared-backend'
  | 'port-several-marks'
  | 'mark-differs-lbindex'
  | 'dns-mismatch'
  | 'dns-failed'
  | 'dnsrr-caveat'
  | 'mesh-not-programmed'
  | 'mesh-unreadable'
  | 'legacy-layout'
  | 'no-source'
  | 'sandbox-unreadable'
  /** Lines of the probe's own output (iptables-save, ipvsadm) that no reader understood. */
  | 'output-unread'
  /** A node a many-node trace could not read. */
  | 'node-unreachable'
  /** Info: IPVS forgets an idle TCP connection after its tcp timeout (900 s in Docker's sandboxes). */
  | 'ipvs-idle-timeout'
  /** Info: ingress_sbox rewrites the source of mesh connections, so backends see its address. */
  | 'mesh-snat';

export interface Finding {
  id: FindingId;
  severity: Severity;
  /** One plain sentence: what is wrong. */
  title: string;
  /** The lines read that show it (command output, rules). */
  evidence: string[];
  /** What to do about it. */
  fix: string;
}

/** A task as the trace names it: enough to find it in the tree and on the node. */
export interface TaskRef {
  id: string;
  name: string;
  service: string;
  node: string;
  state: string;
  containerId?: string;
}

export interface DnsAnswerStep {
  address: string;
  /** What the address is in the cluster: the VIP of a service, a task, or nothing known. */
  owner: { kind: 'vip'; service: string; network: string } | { kind: 'task'; task: TaskRef } | { kind: 'unknown' };
}

export interface DnsStep {
  query: string;
  status: string;
  answers: DnsAnswerStep[];
  /** Addresses the cluster model says this name should resolve to. */
  expected: string[];
  command: string;
}

export interface MarkRule {
  /** Where it was read: the sandbox file name (lb_1a2b3c4d5, ingress_sbox, a container's). */
  sandbox: string;
  table: string;
  chain: string;
  mark: number;
  hex: string;
  destination: string | null;
  protocol: string | null;
  port: number | null;
  packets: number | null;
  rule: string;
}

export interface BackendStep {
  address: string | null;
  host: string | null;
  port: number | null;
  forward: string | null;
  weight: number | null;
  activeConnections: number | null;
  inactiveConnections: number | null;
  /** The task this address belongs to, when it is one. */
  task?: TaskRef;
}

export interface IpvsStep {
  sandbox: string;
  protocol: string;
  fwmark: number | null;
  hex: string | null;
  address: string | null;
  port: number | null;
  scheduler: string | null;
  backends: BackendStep[];
}

export interface VipStep {
  address: string;
  network: string;
  /** LocalLBIndex from the verbose network inspect of this node, when the engine reported one. */
  lbIndex: number | null;
  /** The MARK rule found for this VIP (first one), or null. */
  mark: MarkRule | null;
  /** The IPVS service selected by that mark, or null. */
  ipvs: IpvsStep | null;
}

export interface MeshStep {
  node: string;
  port: number;
  protocol: string;
  /** Host nat DOCKER-INGRESS DNAT for the port: `172.18.0.2:8080`, or null when missing. */
  dnat: string | null;
  dnatRule: string | null;
  marks: MarkRule[];
  ipvs: IpvsStep | null;
  /** ingress_sbox's nat rule that rewrites the source of IPVS connections; null when none was read, absent in older traces. */
  snat?: SnatStep | null;
}

export interface SnatStep {
  action: 'SNAT' | 'MASQUERADE';
  /** The address backends see as the client's (`--to-source`); null for MASQUERADE (the outgoing interface's). */
  toSource: string | null;
  rule: string;
}

/** One end of an IPVS connection, named as its task when a task has the address. */
export interface ConnectionEnd {
  address: string;
  port: number;
  task?: TaskRef;
}

/** One entry of a load-balancer sandbox's IPVS connection table (`ipvsadm -Lnc`). */
export interface ConnectionStep {
  protocol: string;
  /** IPVS's state: ESTABLISHED, SYN_RECV, FIN_WAIT, TIME_WAIT, CLOSE, NONE, UDP... */
  state: string;
  /** Seconds until IPVS forgets the entry unless a packet renews it. */
  expiresInSeconds: number;
  client: ConnectionEnd;
  /** What the client connected to: a VIP, or in ingress_sbox the address the host's DNAT chose. `service` when known. */
  virtual: { address: string; port: number; service?: string };
  backend: ConnectionEnd;
}

/** IPVS's idle timeouts in a sandbox (`ipvsadm -L --timeout`), seconds. */
export interface IpvsTimeoutsRead {
  tcp: number;
  tcpfin: number;
  udp: number;
}

export interface SandboxRead {
  /** Path on the node. */
  netns: string;
  kind: 'container' | 'lb' | 'ingress' | 'host';
  /** Whether it could be entered at all (a missing lb_ sandbox reads as false). */
  present: boolean;
  ipvsAvailable: boolean | null;
  /** Load-balancer sandboxes, full reads only (absent otherwise, and in older traces): the IPVS connection table. */
  connections?: ConnectionStep[];
  /** Same reads: `ipvsadm -L --timeout`, null when it answered something else (no IPVS). */
  timeouts?: IpvsTimeoutsRead | null;
  /** Same reads: `net.ipv4.vs.<name>` -> value, null for one that could not be read. */
  sysctls?: Record<string, number | null>;
}

export interface RawOutput {
  title: string;
  command: string;
  text: string;
}

export interface Trace {
  version: typeof TRACE_VERSION;
  kind: 'service' | 'container' | 'mesh';
  takenAt: string;
  /** The node whose namespaces were read. */
  node: string;
  probe: 'host' | 'helper' | 'job' | 'offline';
  /** 18.06+ keeps rules in per-network lb_ sandboxes; older engines in each container. */
  layout: 'lb-sandbox' | 'legacy' | 'unknown';
  service?: { id: string; name: string; endpointMode: string };
  source?: { containerId: string; name: string; task?: TaskRef; netns: string };
  port?: { port: number; protocol: string };
  dns: DnsStep[];
  vips: VipStep[];
  marks: MarkRule[];
  ipvs: IpvsStep[];
  mesh: MeshStep[];
  sandboxes: SandboxRead[];
  findings: Finding[];
  /** What a person would type for the same answers, in order. */
  commands: string[];
  raw: RawOutput[];
}
