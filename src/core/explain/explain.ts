/**
 * The dump splitter behind `swarm-lens explain`: takes whatever a person pasted from a bug report
 * (prompts, markdown or rst, prose, iptables-save and/or -nvL listings, ipvsadm -L/-Ln/-S,
 * /proc/net/ip_vs, dig/nslookup, docker network/service inspect JSON, several hosts' dumps at
 * once), finds each block's format and answers the questions the paste is usually about: which
 * marks go where, which pools serve them, what the NAT rules and DNS say, and what could not be
 * read. The ExplainResult shape is a public contract: fields are only ever added.
 */
import { dnsFactory, type DnsBlock } from '../parse/dns';
import { backendNames, dnsFact, explainIpvs, markFacts, natFacts, type Located } from './facts';
import { PoolIndex, sameHost } from './join';
import { HostTracker } from './hosts';
import { AliasIndex, ipAddrFactory, type AddressAt, type IpAddrBlock } from './ipAddr';
import { dropUtf16Nuls, terminalCodes, warning } from './input';
import { jsonFactory, type JsonBlock, type LbFact } from './inspectJson';
import { hexMark } from '../parse/values';
import { iptablesListFactory, type IptablesListBlock } from './iptablesList';
import { iptablesSaveFactory, type IptablesSaveBlock } from '../parse/iptablesSave';
import { ipvsListFactory, type IpvsListBlock } from '../parse/ipvsadm';
import { ipvsSaveFactory, type IpvsSaveBlock } from '../parse/ipvsadmSave';
import { scan, type BlockFactory, type ScannedBlock } from '../parse/scan';
import type { DnsQuery, DumpBlock, IptablesRule, IpvsService } from '../parse/types';
import type { ExplainAddress, ExplainHost, ExplainLb, ExplainMark, ExplainNat, ExplainPort, ExplainResult, ExplainVip, ExplainWarning } from './types';
import { ruleUnwrapper } from './unwrap';

/** Where a VIP's or port's backends come from: the pool, or why there is none. */
export interface PoolState {
  pool: IpvsService | null;
  /** ipvsadm output of that host was pasted: no pool is then a finding, not a gap. */
  listed: boolean;
  host: string | null;
}

export interface SkippedLine {
  line: number;
  text: string;
}

/** Everything the splitter found; `explain` is the public contract part. */
export interface DumpAnalysis {
  explain: ExplainResult;
  /** The recognised blocks, in input order (without their parser state). */
  blocks: DumpBlock[];
  /** All IPVS services (-L, -S, /proc), in input order. */
  services: IpvsService[];
  dns: DnsQuery[];
  /** Parallel to explain.vips / explain.ports: the pool joined, with its backends' details. */
  vipPools: PoolState[];
  portPools: PoolState[];
  /** The lines no reader understood, as pasted (the first MAX_KEPT, each cut to MAX_CHARS). */
  skipped: SkippedLine[];
}

const MAX_KEPT = 500;
const MAX_CHARS = 300;

const FACTORIES: readonly BlockFactory[] = [
  iptablesSaveFactory,
  iptablesListFactory,
  ipvsSaveFactory,
  ipvsListFactory(null),
  dnsFactory(false),
  jsonFactory,
  ipAddrFactory,
];

/** What the scan hands over, sorted by kind. Rules are read into marks and NAT facts block by
 *  block and not kept: a huge paste costs its facts, not its rule objects. */
interface Collected {
  blocks: DumpBlock[];
  marks: Located<ExplainMark>[];
  nat: Located<ExplainNat>[];
  services: IpvsService[];
  dns: Located<DnsQuery>[];
  lb: Located<LbFact>[];
  /** Start lines of the ipvsadm blocks. */
  ipvsBlocks: number[];
  /** Each ip addr block's addresses (a block is one sandbox). */
  addressBlocks: { line: number; addresses: AddressAt[] }[];
  unreadableJson: { block: DumpBlock; error: string; lines: number }[];
}

function collector(): { c: Collected; add(b: ScannedBlock): void } {
  const c: Collected = { blocks: [], marks: [], nat: [], services: [], dns: [], lb: [], ipvsBlocks: [], addressBlocks: [], unreadableJson: [] };
  const add = (b: ScannedBlock): void => {
    const block: DumpBlock = { format: b.format, startLine: b.startLine, endLine: b.endLine };
    switch (b.format) {
      case 'iptables-save':
      case 'iptables-list': {
        const tables = (b.parser as IptablesSaveBlock | IptablesListBlock).tables;
        let rules: IptablesRule[] = [];
        for (const t of tables) for (const r of t.rules) rules.push(r);
        // Sections regroup a fragment's rules by table; put them back in line order.
        if (tables.length > 1) rules = rules.sort((a, z) => a.line - z.line);
        for (const m of markFacts(rules)) c.marks.push(m);
        for (const n of natFacts(rules)) c.nat.push(n);
        break;
      }
      case 'ipvs-list':
      case 'ipvs-save':
        c.ipvsBlocks.push(b.startLine);
        for (const s of (b.parser as IpvsListBlock | IpvsSaveBlock).services) c.services.push(s);
        break;
      case 'dns':
        for (const q of (b.parser as DnsBlock).queries) c.dns.push({ fact: q, line: b.startLine });
        break;
      case 'ip-addr':
        c.addressBlocks.push({ line: b.startLine, addresses: (b.parser as IpAddrBlock).addresses });
        break;
      case 'json': {
        const json = b.parser as JsonBlock;
        if (json.error !== null) c.unreadableJson.push({ block, error: json.error, lines: json.lines });
        // Other JSON (a container's inspect) is not a fact explain reads: not a recognised block.
        if (json.facts.length === 0) return;
        for (const f of json.facts) c.lb.push({ fact: f, line: b.startLine });
        break;
      }
    }
    c.blocks.push(block);
  };
  return { c, add };
}

/** Facts of each named host, as indexes into the flat arrays. */
class HostIndex {
  private readonly byName = new Map<string, ExplainHost>();

  add(host: string | null, kind: Exclude<keyof ExplainHost, 'name'>, index: number): void {
    if (host === null) return;
    let h = this.byName.get(host);
    if (h === undefined) this.byName.set(host, (h = { name: host, marks: [], ipvs: [], vips: [], dns: [], nat: [], ports: [], lb: [], addresses: [] }));
    h[kind].push(index);
  }

  list(): ExplainHost[] {
    return [...this.byName.values()];
  }
}

/** Splits and parses a pasted dump; see explainDump for the contract part alone. */
export function analyseDump(input: string): DumpAnalysis {
  const decoded = dropUtf16Nuls(typeof input === 'string' ? input : '');
  const codes = terminalCodes(decoded.text);
  const { c, add } = collector();
  const hosts = new HostTracker();
  const skipped: SkippedLine[] = [];
  const joined: number[] = [];
  const orphans: number[] = [];
  const res = scan(decoded.text, FACTORIES, {
    prepare: codes.line,
    onBlock: add,
    onAside: (n, t) => hosts.see(n, t),
    onSkip: (n, t, afterData) => {
      hosts.see(n, t);
      if (skipped.length < MAX_KEPT) skipped.push({ line: n, text: t.length > MAX_CHARS ? `${t.slice(0, MAX_CHARS)}...` : t });
      if (afterData && looksLikeRest(t)) orphans.push(n);
    },
    unwrap: ruleUnwrapper,
    onJoin: (n) => joined.push(n),
  });
  const warnings: ExplainWarning[] = [...decoded.warnings, ...codes.warnings()];
  const index = new HostIndex();

  const marksAt = c.marks;
  const marks = marksAt.map((m, i) => {
    index.add(hosts.at(m.line), 'marks', i);
    return m.fact;
  });
  const pools = new PoolIndex();
  for (const line of c.ipvsBlocks) pools.listed(hosts.at(line));
  c.services.forEach((s, i) => {
    const host = hosts.at(s.line);
    pools.add(s, host);
    index.add(host, 'ipvs', i);
  });

  const serviceIndex = new Map<IpvsService, number>();
  c.services.forEach((s, i) => serviceIndex.set(s, i));
  const join = (mark: number, line: number): PoolState & { key: string } => {
    const host = hosts.at(line);
    const pool = pools.find(mark, line, host);
    return { pool, listed: pool !== null || pools.hasListing(host), host, key: `${pool === null ? -1 : serviceIndex.get(pool)}|${host}` };
  };

  const aliases = new AliasIndex();
  const addresses: ExplainAddress[] = [];
  for (const blk of c.addressBlocks) {
    aliases.addBlock(blk.addresses.map((a) => a.fact), hosts.at(blk.line));
    for (const a of blk.addresses) {
      index.add(hosts.at(a.line), 'addresses', addresses.length);
      addresses.push(a.fact);
    }
  }
  const unaliased: { vip: string; line: number }[] = [];

  // Same destination (or port), mark, pool and host is the same join (a dump pasted twice, -Ln and -S).
  const vips: ExplainVip[] = [];
  const vipPools: PoolState[] = [];
  const ports: ExplainPort[] = [];
  const portPools: PoolState[] = [];
  const seen = new Set<string>();
  for (const { fact: m, line } of marksAt) {
    const j = join(m.mark, line);
    const backends = j.pool === null ? [] : backendNames(j.pool);
    if (m.destination !== null) {
      const key = `v|${m.destination}|${m.mark}|${j.key}`;
      if (seen.has(key)) continue;
      seen.add(key);
      index.add(j.host, 'vips', vips.length);
      const alias = aliases.state(m.destination, hosts.at(line));
      if (alias === false) unaliased.push({ vip: m.destination, line });
      vips.push({ destination: m.destination, mark: m.mark, backends, alias });
      vipPools.push({ pool: j.pool, listed: j.listed, host: j.host });
    } else if (m.port !== null && m.chain === 'PREROUTING') {
      const key = `p|${m.protocol}|${m.port}|${m.mark}|${j.key}`;
      if (seen.has(key)) continue;
      seen.add(key);
      index.add(j.host, 'ports', ports.length);
      ports.push({ protocol: m.protocol, port: m.port, mark: m.mark, backends });
      portPools.push({ pool: j.pool, listed: j.listed, host: j.host });
    }
  }

  const nat = c.nat.map((n, i) => {
    index.add(hosts.at(n.line), 'nat', i);
    return n.fact;
  });
  const dns = c.dns.map((q, i) => {
    index.add(hosts.at(q.line), 'dns', i);
    return dnsFact(q.fact);
  });
  const byDestination = new Map<string, Located<ExplainMark>[]>();
  for (const m of marksAt) {
    if (m.fact.destination === null) continue;
    const list = byDestination.get(m.fact.destination);
    if (list === undefined) byDestination.set(m.fact.destination, [m]);
    else list.push(m);
  }
  const lb = c.lb.map((f, i) => {
    const host = hosts.at(f.line);
    index.add(host, 'lb', i);
    const rule = f.fact.vip === null ? undefined : byDestination.get(f.fact.vip)?.find((m) => sameHost(hosts.at(m.line), host));
    const lbFact = joinLb(f, rule, marksAt.length > 0, join, warnings);
    const alias = f.fact.vip === null ? null : aliases.state(f.fact.vip, host);
    if (alias === false) unaliased.push({ vip: f.fact.vip!, line: f.line });
    return { ...lbFact, alias };
  });

  warnings.push(...readingWarnings(joined, orphans, c.unreadableJson));
  warnings.push(...missingPoolWarnings(vips, vipPools, ports, portPools));
  warnings.push(...missingAliasWarnings(unaliased));
  const unreadLines = c.unreadableJson.reduce((n, j) => n + j.lines, 0);

  return {
    explain: {
      marks,
      ipvs: c.services.map(explainIpvs),
      vips,
      skippedLines: res.skippedLines + unreadLines,
      dns,
      nat,
      ports,
      lb,
      warnings,
      hosts: index.list(),
      addresses,
    },
    blocks: c.blocks,
    services: c.services,
    dns: c.dns.map((q) => q.fact),
    vipPools,
    portPools,
    skipped,
  };
}

/** A short line of rule syntax: what the rest of a wrapped line looks like. */
function looksLikeRest(t: string): boolean {
  return t.length < 80 && /^[\w./:,!*+=-]+( [\w./:,!*+=-]+){0,3}$/.test(t) && !/[.:?]$/.test(t);
}

/** The inspect facts joined to the marks and pools of the same host. */
function joinLb(
  f: Located<LbFact>,
  rule: Located<ExplainMark> | undefined,
  marksPasted: boolean,
  join: (mark: number, line: number) => PoolState,
  warnings: ExplainWarning[],
): Omit<ExplainLb, 'alias'> {
  const { vip, localLBIndex, service } = f.fact;
  const mark = rule === undefined ? null : rule.fact.mark;
  const poolMark = mark ?? localLBIndex;
  const j = poolMark === null ? null : join(poolMark, rule?.line ?? f.line);
  const backends = j === null || !j.listed ? null : j.pool === null ? [] : backendNames(j.pool);
  const what = `VIP ${vip} of ${service ?? 'a service'}`;
  if (vip !== null && localLBIndex !== null) {
    const hex = hexMark(localLBIndex);
    if (mark === null && marksPasted) {
      warnings.push(warning('mark-missing', f.line, `${what} has LocalLBIndex ${localLBIndex} (${hex}) but no MARK rule for it was pasted: expect -d ${vip}/32 -j MARK --set-xmark ${hex}/0xffffffff in its load-balancer sandbox.`));
    } else if (mark !== null && mark !== localLBIndex) {
      warnings.push(warning('mark-differs', rule!.line, `${what} is marked ${mark} (${hexMark(mark)}) but docker's LocalLBIndex for it is ${localLBIndex} (${hex}); on the same node they should agree.`));
    }
  }
  return { ...f.fact, mark, backends };
}

/** Repairs and losses of the reading itself: joined lines, orphaned rests, unreadable JSON. */
function readingWarnings(joined: number[], orphans: number[], json: Collected['unreadableJson']): ExplainWarning[] {
  const out: ExplainWarning[] = [];
  const lines = (xs: number[]): string => xs.slice(0, 5).join(', ') + (xs.length > 5 ? `, ... (${xs.length} in all)` : '');
  if (joined.length > 0) {
    out.push(warning('wrapped-joined', joined[0]!, `Rule lines that looked wrapped were joined with the line after them (line ${lines(joined)}); check those rules.`));
  }
  if (orphans.length > 0) {
    out.push(warning('maybe-wrapped', orphans[0]!, `Line ${lines(orphans)} looks like the rest of a wrapped line but could not be joined safely; the line before it may be incomplete. Paste the output unwrapped.`));
  }
  for (const { block, error } of json) {
    out.push(warning('json-unreadable', block.startLine, `The JSON at lines ${block.startLine}-${block.endLine} could not be read (${error}); paste the whole output of docker network inspect --verbose.`));
  }
  return out;
}

/** "No backends" is only said where ipvsadm output was pasted; elsewhere it is unknown. */
function missingPoolWarnings(vips: ExplainVip[], vipPools: PoolState[], ports: ExplainPort[], portPools: PoolState[]): ExplainWarning[] {
  const unknown: number[] = [];
  const hosts = new Set<string>();
  const note = (p: PoolState, mark: number): void => {
    if (p.listed) return;
    unknown.push(mark);
    if (p.host !== null) hosts.add(p.host);
  };
  vipPools.forEach((p, i) => note(p, vips[i]!.mark));
  portPools.forEach((p, i) => note(p, ports[i]!.mark));
  if (unknown.length === 0) return [];
  const named = hosts.size > 0 ? ` of ${[...hosts].join(', ')}` : '';
  const list = [...new Set(unknown)].slice(0, 8).map(hexMark).join(', ');
  return [
    warning('ipvs-not-pasted', null, `No ipvsadm output${named} was pasted for marks ${list}: their pools are unknown, not empty. Run ipvsadm -Ln in the same sandbox and paste it too.`),
  ];
}

/** VIPs (of marks or inspect JSON) whose network's load-balancer endpoint was pasted (ip addr)
 *  without them as a /32 alias. */
function missingAliasWarnings(unaliased: { vip: string; line: number }[]): ExplainWarning[] {
  if (unaliased.length === 0) return [];
  const vips = [...new Set(unaliased.map((u) => u.vip))];
  const one = vips.length === 1;
  const list = vips.slice(0, 8).join(', ') + (vips.length > 8 ? `, ... (${vips.length} in all)` : '');
  const line = Math.min(...unaliased.slice(0, 1000).map((u) => u.line));
  return [
    warning('alias-missing', line, `The pasted ip addr of the load-balancer endpoint of ${one ? 'VIP' : 'VIPs'} ${list} holds no /32 alias for ${one ? 'it' : 'them'} (it holds other VIPs): dockerd has not programmed ${one ? 'that VIP' : 'those VIPs'} in that sandbox, or no longer.`),
  ];
}

/**
 * Reads a pasted dump and returns the explain contract: marks, ipvs, vips and skippedLines as
 * before, and dns, nat, ports, lb, warnings and hosts (see README, "explain --json").
 */
export function explainDump(text: string): ExplainResult {
  return analyseDump(text).explain;
}

/**
 * Whether anything recognisable was found. Given a DumpAnalysis: any block of a known format
 * (even an empty ipvsadm table, which is itself a finding). Given only an ExplainResult: any fact.
 */
export function foundAnything(result: DumpAnalysis | ExplainResult): boolean {
  if ('blocks' in result) return result.blocks.length > 0;
  const r = result;
  return r.marks.length + r.ipvs.length + r.vips.length + r.dns.length + r.nat.length + r.ports.length + r.lb.length + r.addresses.length > 0;
}
