/**
 * The public JSON contract of `explain` (CLI and other tools parse it; keep fields exactly).
 * Plain data, like the parse results it is read from.
 */
import type { DnsStatus, IpvsBackend, IpvsProtocol } from '../parse/types';

export interface ExplainMark {
  mark: number;
  hex: string;
  table: string;
  chain: string;
  destination: string | null;
  protocol: string | null;
  port: number | null;
}

/** A backend as `explain --json` prints it: the listing's fields, without the parser's own (truncated, stats). */
export type ExplainBackend = Pick<IpvsBackend, 'address' | 'host' | 'port' | 'forward' | 'weight' | 'activeConnections' | 'inactiveConnections'>;

export interface ExplainIpvs {
  protocol: IpvsProtocol;
  fwmark: number | null;
  address: string | null;
  port: number | null;
  scheduler: string | null;
  backends: ExplainBackend[];
}

export interface ExplainVip {
  destination: string;
  mark: number;
  backends: string[];
  /** The VIP as a /32 alias in pasted `ip addr` output of the same host: true (programmed in that
   *  load-balancer sandbox), false (that network's load-balancer endpoint was pasted without it),
   *  null (no such ip addr output was pasted). */
  alias: boolean | null;
}

/** One address of `ip addr` / `ip -o addr` output. */
export interface ExplainAddress {
  /** Without `@ifN`; from the label at the line's end when no interface header was pasted. */
  interface: string | null;
  address: string;
  prefix: number;
}

export interface ExplainDns {
  name: string | null;
  type: string | null;
  server: string | null;
  status: DnsStatus;
  answers: { address: string; ttl: number | null }[];
}

export type NatAction = 'DNAT' | 'SNAT' | 'REDIRECT' | 'MASQUERADE';

export interface ExplainNat {
  table: string;
  chain: string;
  action: NatAction;
  protocol: string | null;
  /** The matched destination port; null when none or a range/list. */
  port: number | null;
  /** Without /32; `!` first when the rule negates it. */
  destination: string | null;
  /** Address, address:port or port range as written; null for a plain MASQUERADE. */
  to: string | null;
}

/** A routing-mesh port: a PREROUTING mark on a destination port, joined to its FWM pool. */
export interface ExplainPort {
  protocol: string | null;
  port: number;
  mark: number;
  backends: string[];
}

/** A service's load-balancer facts from `docker network inspect --verbose` (or the VIPs of
 *  `docker service inspect`), joined to the marks and pools pasted with them. */
export interface ExplainLb {
  network: string | null;
  service: string | null;
  vip: string | null;
  localLBIndex: number | null;
  tasks: { name: string | null; address: string | null }[];
  /** The mark a pasted rule sets for the VIP; null when no rule for it was pasted. */
  mark: number | null;
  /** Backends of the FWM pool of that mark (or of LocalLBIndex); null when no such pool was pasted. */
  backends: string[] | null;
  /** The VIP as a /32 alias in pasted ip addr output, as ExplainVip.alias. */
  alias: boolean | null;
}

export type WarningCode =
  | 'encoding'
  | 'colour-codes'
  | 'wrapped-joined'
  | 'maybe-wrapped'
  | 'ipvs-not-pasted'
  | 'mark-missing'
  | 'mark-differs'
  | 'json-unreadable'
  | 'alias-missing';

/** What could not be read, or was read only after a repair, and why. */
export interface ExplainWarning {
  code: WarningCode;
  /** 1-based line it is about, when one. */
  line: number | null;
  message: string;
}

/** Facts of one host, as indexes into the flat arrays (pasted dumps named it by a prompt
 *  `user@host` or a heading such as `On node2:`). */
export interface ExplainHost {
  name: string;
  marks: number[];
  ipvs: number[];
  vips: number[];
  dns: number[];
  nat: number[];
  ports: number[];
  lb: number[];
  addresses: number[];
}

export interface ExplainResult {
  marks: ExplainMark[];
  ipvs: ExplainIpvs[];
  vips: ExplainVip[];
  skippedLines: number;
  dns: ExplainDns[];
  nat: ExplainNat[];
  ports: ExplainPort[];
  lb: ExplainLb[];
  warnings: ExplainWarning[];
  hosts: ExplainHost[];
  addresses: ExplainAddress[];
}
