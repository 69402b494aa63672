// The check's report: a documented, versioned contract (`swarm-lens check --json`).
export const CHECK_VERSION = 1;

export type CheckCode =
  | 'node-unreachable'
  | 'ipvs-missing'
  | 'lb-sandbox-missing'
  /** A sandbox that exists but could not be read: never reported as missing. */
  | 'sandbox-unreadable'
  /** Lines of the probe's own output (iptables-save, ipvsadm) that no reader understood. */
  | 'output-unread'
  | 'mark-missing'
  | 'mark-mismatch'
  | 'pool-missing'
  | 'backend-missing'
  | 'backend-stale'
  | 'backend-weight-zero'
  | 'dns-mismatch'
  | 'mesh-dnat-missing'
  | 'mesh-pool-missing';

export interface CheckFinding {
  code: CheckCode;
  severity: 'error' | 'warning';
  /** The node's hostname. */
  node: string;
  /** The service's name, or `*` for a finding about the whole node. */
  service: string;
  network?: string;
  address?: string;
  task?: string;
  message: string;
  evidence: string[];
  /** What to do about it. */
  fix?: string;
}

export interface CheckNode {
  id: string;
  hostname: string;
  reachable: boolean;
  /** How the node was reached (`docker context lab-node2`), or `not reached`. */
  via: string;
  error?: string;
}

export interface CheckReport {
  version: typeof CHECK_VERSION;
  takenAt: string;
  nodes: CheckNode[];
  /** The services checked, in the order the matrix shows them. */
  services: string[];
  findings: CheckFinding[];
}
