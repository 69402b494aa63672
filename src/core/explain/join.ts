/**
 * Joins marks to the IPVS pools that serve them, host by host. Mark numbers are per node, so a
 * mark only joins a pool of the same host (or of a part of the paste that names no host), and
 * "no pool" is only said where ipvsadm output of that host was pasted at all.
 */
import type { IpvsService } from '../parse/types';

/** Hosts match when equal, or when either part of the paste names none. */
export function sameHost(a: string | null, b: string | null): boolean {
  return a === null || b === null || a === b;
}

/** The pools of one mark (of one host, or of all), in line order. */
type Pools = IpvsService[];

/** The first pool after `line` and the last one before it (binary search: pastes can be huge). */
function around(list: Pools | undefined, line: number): { after: IpvsService | null; before: IpvsService | null } {
  if (list === undefined) return { after: null, before: null };
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.line > line) hi = mid;
    else lo = mid + 1;
  }
  return { after: list[lo] ?? null, before: lo > 0 ? list[lo - 1]! : null };
}

export class PoolIndex {
  private readonly byMark = new Map<number, Pools>();
  private readonly byMarkHost = new Map<string, Pools>();
  /** Hosts with an ipvsadm listing (even an empty one); null for parts without a host. */
  private readonly listedHosts = new Set<string | null>();

  /** A listing block was pasted for this host (an empty table counts: it is itself a fact). */
  listed(host: string | null): void {
    this.listedHosts.add(host);
  }

  /** Pools must be added in line order (the order the scan finds them). */
  add(s: IpvsService, host: string | null): void {
    if (s.protocol !== 'FWM' || s.fwmark === null) return;
    push(this.byMark, s.fwmark, s);
    push(this.byMarkHost, hostKey(s.fwmark, host), s);
  }

  /** Whether ipvsadm output that can speak for this host was pasted. */
  hasListing(host: string | null): boolean {
    if (host === null) return this.listedHosts.size > 0;
    return this.listedHosts.has(host) || this.listedHosts.has(null);
  }

  /**
   * The FWM pool a mark leads to. A paste from several sandboxes can hold the same number twice:
   * the listing right after the rule (same sandbox, as people paste iptables then ipvsadm) is
   * the better guess, else the nearest one before it. Only pools of a compatible host count.
   */
  find(mark: number, line: number, host: string | null): IpvsService | null {
    if (host === null) {
      const all = around(this.byMark.get(mark), line);
      return all.after ?? all.before;
    }
    const own = around(this.byMarkHost.get(hostKey(mark, host)), line);
    const none = around(this.byMarkHost.get(hostKey(mark, null)), line);
    const after = own.after === null ? none.after : none.after === null || own.after.line < none.after.line ? own.after : none.after;
    if (after !== null) return after;
    if (own.before === null) return none.before;
    return none.before === null || own.before.line > none.before.line ? own.before : none.before;
  }
}

function hostKey(mark: number, host: string | null): string {
  // A NUL cannot be in a host name read from text, so it marks "no host".
  return `${mark}|${host ?? '\u0000'}`;
}

function push<K>(map: Map<K, Pools>, key: K, s: IpvsService): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [s]);
  else list.push(s);
}
