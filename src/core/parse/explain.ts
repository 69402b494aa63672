/**
 * The dump splitter behind `swarm-lens explain`: takes whatever a person pasted from a bug report
 * (prompts, markdown or rst, prose, iptables-save and/or -nvL listings, ipvsadm -L/-Ln/-S,
 * /proc/net/ip_vs, dig/nslookup), finds each block's format and answers the question the paste is
 * usually about: which marks go where, which IPVS services exist, and which VIP ends up at which
 * backends. The ExplainResult shape is a public contract; keep its fields exactly.
 */
import { dnsFactory, type DnsBlock } from './dns';
import { iptablesListFactory, type IptablesListBlock } from './iptablesList';
import { iptablesSaveFactory, type IptablesSaveBlock } from './iptablesSave';
import { ipvsListFactory, type IpvsListBlock } from './ipvsadm';
import { ipvsSaveFactory, type IpvsSaveBlock } from './ipvsadmSave';
import { scan, type BlockFactory } from './scan';
import type {
  DnsQuery,
  DumpBlock,
  ExplainIpvs,
  ExplainMark,
  ExplainResult,
  ExplainVip,
  IptablesRule,
  IpvsBackend, IpvsService,
} from './types';
import { markToHex } from './values';

/** Everything the splitter found; `explain` is the public contract part. */
export interface DumpAnalysis {
  explain: ExplainResult;
  /** The recognised blocks, in input order (without their parser state). */
  blocks: DumpBlock[];
  /** All iptables rules (save and list forms), in input order. */
  rules: IptablesRule[];
  /** All IPVS services (-L, -S, /proc), in input order. */
  services: IpvsService[];
  dns: DnsQuery[];
}

const FACTORIES: readonly BlockFactory[] = [
  iptablesSaveFactory,
  iptablesListFactory,
  ipvsSaveFactory,
  ipvsListFactory(null),
  dnsFactory(false),
];

function toExplainIpvs(s: IpvsService): ExplainIpvs {
  return {
    protocol: s.protocol,
    fwmark: s.fwmark,
    address: s.address,
    port: s.port,
    scheduler: s.scheduler,
    backends: s.backends.map(explainBackend),
  };
}

/** A backend's public fields (the explain contract; a trace adds the task it belongs to). */
export function explainBackend(b: IpvsBackend): ExplainIpvs['backends'][number] {
  return {
    address: b.address,
    host: b.host,
    port: b.port,
    forward: b.forward,
    weight: b.weight,
    activeConnections: b.activeConnections,
    inactiveConnections: b.inactiveConnections,
  };
}

/**
 * The FWM service a mark leads to. Usually there is one; a paste from several sandboxes can hold
 * the same number twice, and then the listing right after the rule (same sandbox, as people paste
 * iptables then ipvsadm) is the better guess, else the nearest one before it.
 */
function serviceForMark(byMark: Map<number, IpvsService[]>, mark: number, line: number): IpvsService | null {
  const list = byMark.get(mark);
  if (list === undefined || list.length === 0) return null;
  if (list.length === 1) return list[0]!;
  let before: IpvsService | null = null;
  for (const s of list) {
    if (s.line > line) return s;
    before = s;
  }
  return before;
}

/** Splits and parses a pasted dump; see explainDump for the contract part alone. */
export function analyseDump(text: string): DumpAnalysis {
  const res = scan(text, FACTORIES);
  const rules: IptablesRule[] = [];
  const services: IpvsService[] = [];
  const dns: DnsQuery[] = [];
  const blocks: DumpBlock[] = [];
  for (const b of res.blocks) {
    blocks.push({ format: b.format, startLine: b.startLine, endLine: b.endLine });
    switch (b.format) {
      case 'iptables-save':
      case 'iptables-list': {
        const tables = (b.parser as IptablesSaveBlock | IptablesListBlock).tables;
        const start = rules.length;
        for (const t of tables) for (const r of t.rules) rules.push(r);
        // Sections regroup a fragment's rules by table; put them back in line order.
        if (tables.length > 1) {
          const part = rules.splice(start).sort((a, c) => a.line - c.line);
          for (const r of part) rules.push(r);
        }
        break;
      }
      case 'ipvs-list':
      case 'ipvs-save':
        for (const s of (b.parser as IpvsListBlock | IpvsSaveBlock).services) services.push(s);
        break;
      case 'dns':
        for (const q of (b.parser as DnsBlock).queries) dns.push(q);
        break;
    }
  }

  const marks: ExplainMark[] = [];
  const markLines: number[] = [];
  for (const r of rules) {
    if (r.target !== 'MARK' || r.mark === null || (r.markOp !== 'set' && r.markOp !== 'xset')) continue;
    const negatedDst = r.negated.indexOf('destination') >= 0;
    marks.push({
      mark: r.mark,
      hex: markToHex(r.mark) ?? '',
      table: r.table,
      chain: r.chain,
      destination: negatedDst ? null : r.destination,
      protocol: r.protocol,
      port: r.dport,
    });
    markLines.push(r.line);
  }

  const byMark = new Map<number, IpvsService[]>();
  for (const s of services) {
    if (s.protocol !== 'FWM' || s.fwmark === null) continue;
    let list = byMark.get(s.fwmark);
    if (list === undefined) byMark.set(s.fwmark, (list = []));
    list.push(s);
  }

  const vips: ExplainVip[] = [];
  const seen = new Set<string>();
  const serviceIndex = new Map<IpvsService, number>();
  services.forEach((s, i) => serviceIndex.set(s, i));
  for (let i = 0; i < marks.length; i++) {
    const m = marks[i]!;
    if (m.destination === null) continue;
    const svc = serviceForMark(byMark, m.mark, markLines[i]!);
    const backends: string[] = [];
    if (svc !== null) {
      for (const b of svc.backends) {
        const name = b.address ?? b.host;
        if (name !== null) backends.push(name);
      }
    }
    // Same destination, mark and service means the same join (a dump pasted twice, -Ln and -S).
    const key = `${m.destination}|${m.mark}|${svc === null ? -1 : serviceIndex.get(svc)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    vips.push({ destination: m.destination, mark: m.mark, backends });
  }

  return {
    explain: { marks, ipvs: services.map(toExplainIpvs), vips, skippedLines: res.skippedLines },
    blocks,
    rules,
    services,
    dns,
  };
}

/**
 * Reads a pasted dump and returns the explain contract:
 * marks (every MARK --set-mark/--set-xmark rule), ipvs (every IPVS service), vips (each mark with
 * a destination joined to the backends of the FWM service with the same number) and skippedLines.
 */
export function explainDump(text: string): ExplainResult {
  return analyseDump(text).explain;
}

/**
 * Whether anything recognisable was found. Given a DumpAnalysis: any block of a known format
 * (even an empty ipvsadm table, which is itself a finding). Given only an ExplainResult: any
 * mark, service or VIP.
 */
export function foundAnything(result: DumpAnalysis | ExplainResult): boolean {
  if ('blocks' in result) return result.blocks.length > 0;
  return result.marks.length > 0 || result.ipvs.length > 0 || result.vips.length > 0;
}
