/**
 * The explain contract's facts read off parsed rules, pools and DNS queries, each with the line
 * it came from (so explain can tell which host it belongs to).
 */
import type { DnsQuery, IptablesRule, IpvsService } from '../parse/types';
import type { ExplainDns, ExplainIpvs, ExplainMark, ExplainNat, NatAction } from './types';
import { backendFields } from '../parse/ipvsadm';
import { markToHex } from '../parse/values';

/** A fact and the 1-based line it was read from. */
export interface Located<T> {
  fact: T;
  line: number;
}

/** Every MARK --set-mark / --set-xmark rule. */
export function markFacts(rules: readonly IptablesRule[]): Located<ExplainMark>[] {
  const out: Located<ExplainMark>[] = [];
  for (const r of rules) {
    if (r.target !== 'MARK' || r.mark === null || (r.markOp !== 'set' && r.markOp !== 'xset')) continue;
    const fact: ExplainMark = {
      mark: r.mark,
      hex: markToHex(r.mark) ?? '',
      table: r.table,
      chain: r.chain,
      destination: r.negated.indexOf('destination') >= 0 ? null : r.destination,
      protocol: r.protocol,
      port: r.dport,
    };
    out.push({ fact, line: r.line });
  }
  return out;
}

const NAT_ACTIONS = new Set<string>(['DNAT', 'SNAT', 'REDIRECT', 'MASQUERADE']);

/** Where a NAT rule sends packets, as written. */
function natTarget(r: IptablesRule, action: NatAction): string | null {
  switch (action) {
    case 'DNAT':
      return r.toDestination ?? r.targetOptions['to'] ?? null;
    case 'SNAT':
      return r.toSource ?? r.targetOptions['to'] ?? null;
    default:
      return r.toPorts;
  }
}

/** Every DNAT, SNAT, REDIRECT and MASQUERADE rule. */
export function natFacts(rules: readonly IptablesRule[]): Located<ExplainNat>[] {
  const out: Located<ExplainNat>[] = [];
  for (const r of rules) {
    if (r.target === null || !NAT_ACTIONS.has(r.target)) continue;
    const action = r.target as NatAction;
    const negated = r.destination !== null && r.negated.indexOf('destination') >= 0;
    const fact: ExplainNat = {
      table: r.table,
      chain: r.chain,
      action,
      protocol: r.protocol,
      port: r.negated.indexOf('dport') >= 0 ? null : r.dport,
      destination: negated ? `!${r.destination}` : r.destination,
      to: natTarget(r, action),
    };
    out.push({ fact, line: r.line });
  }
  return out;
}

export function dnsFact(q: DnsQuery): ExplainDns {
  return {
    name: q.name,
    type: q.type,
    server: q.server,
    status: q.status,
    answers: q.answers.map((a) => ({ address: a.address, ttl: a.ttl })),
  };
}

export function explainIpvs(s: IpvsService): ExplainIpvs {
  return {
    protocol: s.protocol,
    fwmark: s.fwmark,
    address: s.address,
    port: s.port,
    scheduler: s.scheduler,
    backends: s.backends.map(backendFields),
  };
}

/** How a pool's backends are named in vips and ports: the address, else the name shown. */
export function backendNames(s: IpvsService): string[] {
  const out: string[] = [];
  for (const b of s.backends) {
    const name = b.address ?? b.host;
    if (name !== null) out.push(name);
  }
  return out;
}
