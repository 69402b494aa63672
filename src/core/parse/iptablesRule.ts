/**
 * The rule model shared by the iptables-save and iptables -nvL parsers: an empty rule, the
 * derivation of convenience fields (dport, mark, addrtype, ...) from matches and target options,
 * and the guess of a table for rules pasted without a `*table` header or `-t` command.
 */
import type { IptablesChain, IptablesMatch, IptablesRule, IptablesTable, MarkOp, TableSource } from './types';
import { parseMark, parseMarkMask, singlePort } from './values';

export function emptyRule(chain: string, raw: string, line: number): IptablesRule {
  return {
    table: '',
    tableSource: 'inferred',
    chain,
    raw,
    line,
    source: null,
    destination: null,
    protocol: null,
    inInterface: null,
    outInterface: null,
    sport: null,
    dport: null,
    sportSpec: null,
    dportSpec: null,
    negated: [],
    matches: [],
    addrType: null,
    ctstate: null,
    ipvs: false,
    comment: null,
    target: null,
    goto: false,
    targetOptions: {},
    mark: null,
    markMask: null,
    markOp: null,
    toDestination: null,
    toSource: null,
    toPorts: null,
    counters: null,
  };
}

/** Sets an option without letting a hostile key reach the prototype. */
export function setOption(options: Record<string, string>, key: string, value: string): void {
  if (key === '__proto__' || key.length === 0) return;
  options[key] = value;
}

const PORT_MODULES = new Set(['tcp', 'udp', 'sctp', 'udplite', 'dccp']);

function opt(m: IptablesMatch, ...names: string[]): { value: string; negated: boolean } | null {
  for (const n of names) {
    if (Object.prototype.hasOwnProperty.call(m.options, n)) return { value: m.options[n]!, negated: false };
    if (Object.prototype.hasOwnProperty.call(m.options, '!' + n)) return { value: m.options['!' + n]!, negated: true };
  }
  return null;
}

function targetOpt(r: IptablesRule, name: string): string | null {
  return Object.prototype.hasOwnProperty.call(r.targetOptions, name) ? r.targetOptions[name]! : null;
}

/** Fills the convenience fields of a rule from its matches and target options. */
export function deriveRule(r: IptablesRule): void {
  for (const m of r.matches) {
    if (PORT_MODULES.has(m.module) || m.module === 'multiport') {
      const d = opt(m, 'dport', 'destination-port', 'dports', 'destination-ports', 'ports');
      if (d !== null && r.dportSpec === null) {
        r.dportSpec = d.value;
        r.dport = singlePort(d.value);
        if (d.negated) r.negated.push('dport');
      }
      const s = opt(m, 'sport', 'source-port', 'sports', 'source-ports');
      if (s !== null && r.sportSpec === null) {
        r.sportSpec = s.value;
        r.sport = singlePort(s.value);
        if (s.negated) r.negated.push('sport');
      }
    } else if (m.module === 'addrtype') {
      const dst = opt(m, 'dst-type');
      const src = opt(m, 'src-type');
      r.addrType = {
        dst: dst === null ? null : (dst.negated ? '!' : '') + dst.value,
        src: src === null ? null : (src.negated ? '!' : '') + src.value,
      };
    } else if (m.module === 'conntrack' || m.module === 'state') {
      const st = opt(m, 'ctstate', 'state');
      if (st !== null && st.value.length > 0) r.ctstate = st.value.split(',');
    } else if (m.module === 'ipvs') {
      r.ipvs = true;
    } else if (m.module === 'comment') {
      const c = opt(m, 'comment');
      if (c !== null) r.comment = c.value;
    }
  }
  if (r.target === 'MARK') {
    const ops: [string, MarkOp][] = [
      ['set-xmark', 'xset'],
      ['set-mark', 'set'],
      ['and-mark', 'and'],
      ['or-mark', 'or'],
      ['xor-mark', 'xor'],
    ];
    for (const [name, op] of ops) {
      const v = targetOpt(r, name);
      if (v === null) continue;
      r.markOp = op;
      if (op === 'set' || op === 'xset') {
        r.mark = parseMark(v);
        r.markMask = parseMarkMask(v) ?? (r.mark === null ? null : 0xffffffff);
      }
      break;
    }
  }
  r.toDestination = targetOpt(r, 'to-destination');
  r.toSource = targetOpt(r, 'to-source');
  r.toPorts = targetOpt(r, 'to-ports');
}

const MANGLE_TARGETS = new Set(['MARK', 'CONNMARK', 'TOS', 'TTL', 'HL', 'DSCP', 'ECN', 'TPROXY', 'CLASSIFY', 'CHECKSUM']);
const NAT_TARGETS = new Set(['DNAT', 'SNAT', 'MASQUERADE', 'REDIRECT', 'NETMAP']);
const RAW_TARGETS = new Set(['NOTRACK', 'CT']);

/** The table a target can only (or in practice, for Docker) live in; null when it says nothing. */
export function tableForTarget(target: string | null): string | null {
  if (target === null) return null;
  if (MANGLE_TARGETS.has(target)) return 'mangle';
  if (NAT_TARGETS.has(target)) return 'nat';
  if (RAW_TARGETS.has(target)) return 'raw';
  return null;
}

/** The table that a set of built-in chain names points at (a whole listed table shows them all). */
export function tableForChains(chains: ReadonlySet<string>): string | null {
  const pre = chains.has('PREROUTING');
  const post = chains.has('POSTROUTING');
  const fwd = chains.has('FORWARD');
  if (fwd && (pre || post)) return 'mangle';
  if (fwd) return 'filter';
  if (pre && post) return 'nat';
  if (pre && chains.has('OUTPUT') && !chains.has('INPUT')) return 'raw';
  // Docker's headerless PREROUTING/POSTROUTING rules (DOCKER-INGRESS jumps, ipvs SNAT) are nat.
  if (pre || post) return 'nat';
  return null;
}

export const BUILTIN_CHAINS = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);

/** Rules and chains collected before their table is known. */
export interface PendingSection {
  rules: IptablesRule[];
  chains: IptablesChain[];
}

/**
 * Assigns tables to a headerless fragment: each rule whose target names a table gets it; the rest
 * get the table most such rules named, else the one the built-in chains point at, else filter
 * (iptables' default). Returns one section per table, in order of first appearance.
 */
export function resolveFragment(pending: PendingSection, known: { table: string; source: TableSource } | null): IptablesTable[] {
  const out: IptablesTable[] = [];
  if (pending.rules.length === 0 && pending.chains.length === 0) return out;
  const byName = new Map<string, { table: IptablesTable; chainNames: Set<string> }>();
  const section = (name: string, source: TableSource): { table: IptablesTable; chainNames: Set<string> } => {
    let s = byName.get(name);
    if (s === undefined) {
      s = { table: { name, source, chains: [], rules: [] }, chainNames: new Set() };
      byName.set(name, s);
      out.push(s.table);
    }
    return s;
  };
  let fallback: string;
  let fallbackSource: TableSource;
  if (known !== null) {
    fallback = known.table;
    fallbackSource = known.source;
  } else {
    const votes = new Map<string, number>();
    const builtins = new Set<string>();
    for (const r of pending.rules) {
      const t = tableForTarget(r.target);
      if (t !== null) votes.set(t, (votes.get(t) ?? 0) + 1);
      if (BUILTIN_CHAINS.has(r.chain)) builtins.add(r.chain);
    }
    for (const c of pending.chains) if (BUILTIN_CHAINS.has(c.name)) builtins.add(c.name);
    let best: string | null = null;
    let bestVotes = 0;
    for (const [t, v] of votes) {
      if (v > bestVotes) {
        best = t;
        bestVotes = v;
      }
    }
    fallback = tableForChains(builtins) ?? best ?? 'filter';
    // A listed table's built-in chains say more than one rule's target; votes come next.
    if (builtins.size < 2 && best !== null) fallback = best;
    fallbackSource = 'inferred';
  }
  for (const c of pending.chains) {
    const s = section(fallback, fallbackSource);
    if (s.chainNames.has(c.name)) continue;
    s.chainNames.add(c.name);
    s.table.chains.push(c);
  }
  for (const r of pending.rules) {
    let table = fallback;
    const source = fallbackSource;
    if (known === null) {
      const own = tableForTarget(r.target);
      if (own !== null) table = own;
    }
    r.table = table;
    r.tableSource = source;
    const s = section(table, source);
    s.table.rules.push(r);
    if (!s.chainNames.has(r.chain)) {
      s.chainNames.add(r.chain);
      s.table.chains.push({ name: r.chain, policy: null, counters: null, references: null });
    }
  }
  return out;
}
