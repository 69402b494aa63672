/**
 * Joins marks to the IPVS pools that serve them, host by host. Mark numbers are per node, so a
 * mark only joins a pool of the same host (or of a part of the paste that names no host), and
 * "no pool" is only said where ipvsadm output of that host was pasted at all.
 */
import type { IpvsService } from './types';

/** Hosts match when equal, or when either part of the paste names none. */
export function sameHost(a: string | null, b: string | null): boolean {
  return a === null || b === null || a === b;
}

export class PoolIndex {
  private readonly byMark = new Map<number, { s: IpvsService; host: string | null }[]>();
  /** Hosts with an ipvsadm listing (even an empty one); null for parts without a host. */
  private readonly listedHosts = new Set<string | null>();

  /** A listing block was pasted for this host (an empty table counts: it is itself a fact). */
  listed(host: string | null): void {
    this.listedHosts.add(host);
  }

  add(s: IpvsService, host: string | null): void {
    if (s.protocol !== 'FWM' || s.fwmark === null) return;
    let list = this.byMark.get(s.fwmark);
    if (list === undefined) this.byMark.set(s.fwmark, (list = []));
    list.push({ s, host });
  }

  /** Whether ipvsadm output that can speak for this host was pasted. */
  hasListing(host: string | null): boolean {
    if (host === null) return this.listedHosts.size > 0;
    return this.listedHosts.has(host) || this.listedHosts.has(null);
  }

  /**
   * The FWM pool a mark leads to. A paste from several sandboxes can hold the same number twice:
   * the listing right after the rule (same sandbox, as people paste iptables then ipvsadm) is
   * the better guess, else the nearest one before it.
   */
  find(mark: number, line: number, host: string | null): IpvsService | null {
    const list = this.byMark.get(mark);
    if (list === undefined) return null;
    let before: IpvsService | null = null;
    for (const { s, host: h } of list) {
      if (!sameHost(host, h)) continue;
      if (s.line > line) return s;
      before = s;
    }
    return before;
  }
}
