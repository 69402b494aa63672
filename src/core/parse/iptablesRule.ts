/**
 * The rule model shared by the iptables-save and iptables -nvL parsers: an empty rule, setting
 * match and target options (which also fills the convenience fields: dport, mark, addrType, ...),
 * and the guess of a table for rules pasted without a `*table` header or `-t` command.
 */
import type { IptablesChain, IptablesMatch, IptablesRule, IptablesTable, MarkOp, NegatableField, TableSource } from './types';
import { markAt, singlePort } from './values';

// Most rules negate nothing and many have no matches or target options: they share these frozen
// empties (results are read-only data), which saves three allocations per rule on large dumps.
const NO_NEGATED: readonly NegatableField[] = Object.freeze([]);
const NO_MATCHES: readonly IptablesMatch[] = Object.freeze([]);
const NO_OPTIONS: Readonly<Record<string, string>> = Object.freeze({});

export function addNegated(r: IptablesRule, f: NegatableField): void {
  if (r.negated === NO_NEGATED) r.negated = [f];
  else (r.negated as NegatableField[]).push(f);
}

/** Appends a match (`-m module`) to the rule and returns it for its options. */
export function addMatch(r: IptablesRule, module: string): IptablesMatch {
  const m: IptablesMatch = { module, options: {} };
  if (r.matches === NO_MATCHES) r.matches = [m];
  else (r.matches as IptablesMatch[]).push(m);
  return m;
}

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
    negated: NO_NEGATED,
    matches: NO_MATCHES,
    addrType: null,
    ctstate: null,
    ipvs: false,
    comment: null,
    target: null,
    goto: false,
    targetOptions: NO_OPTIONS,
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
function setOption(options: Record<string, string>, key: string, value: string): void {
  if (key === '__proto__' || key.length === 0) return;
  options[key] = value;
}

/**
 * Sets `--key value` of a match and fills the rule's convenience fields from it right away
 * (dport, addrType, ctstate, ipvs, comment): one pass, no lookups afterwards. A negated option
 * is keyed `!key`.
 */
export function setMatchOption(r: IptablesRule, m: IptablesMatch, key: string, value: string): void {
  setOption(m.options, key, value);
  const negated = key.charCodeAt(0) === 33;
  const k = negated ? key.slice(1) : key;
  switch (m.module) {
    case 'tcp':
    case 'udp':
    case 'sctp':
    case 'udplite':
    case 'dccp':
    case 'multiport':
      if (k === 'dport' || k === 'dports' || k === 'destination-port' || k === 'destination-ports' || k === 'ports') {
        if (r.dportSpec === null) {
          r.dportSpec = value;
          r.dport = singlePort(value);
          if (negated) addNegated(r, 'dport');
        }
      } else if (k === 'sport' || k === 'sports' || k === 'source-port' || k === 'source-ports') {
        if (r.sportSpec === null) {
          r.sportSpec = value;
          r.sport = singlePort(value);
          if (negated) addNegated(r, 'sport');
        }
      }
      break;
    case 'addrtype':
      if (k === 'dst-type' || k === 'src-type') {
        if (r.addrType === null) r.addrType = { src: null, dst: null };
        const v = negated ? '!' + value : value;
        if (k === 'dst-type') r.addrType.dst = v;
        else r.addrType.src = v;
      }
      break;
    case 'conntrack':
    case 'state':
      if ((k === 'ctstate' || k === 'state') && value.length > 0) r.ctstate = value.split(',');
      break;
    case 'ipvs':
      if (k === 'ipvs') r.ipvs = !negated;
      break;
    case 'comment':
      if (k === 'comment') r.comment = value;
      break;
  }
}

/** Sets a target option (`--set-xmark`, `--to-destination`, ...) and the fields it decodes to.
 *  The target must already be set (both dump formats print it before its options). */
export function setTargetOption(r: IptablesRule, key: string, value: string): void {
  if (r.targetOptions === NO_OPTIONS) r.targetOptions = {};
  setOption(r.targetOptions as Record<string, string>, key, value);
  switch (key) {
    case 'to-destination':
      r.toDestination = value;
      return;
    case 'to-source':
      r.toSource = value;
      return;
    case 'to-ports':
      r.toPorts = value;
      return;
  }
  if (r.target !== 'MARK' || r.markOp !== null) return;
  const op: MarkOp | null =
    key === 'set-xmark' ? 'xset' : key === 'set-mark' ? 'set' : key === 'and-mark' ? 'and' : key === 'or-mark' ? 'or' : key === 'xor-mark' ? 'xor' : null;
  if (op === null) return;
  r.markOp = op;
  if (op === 'set' || op === 'xset') {
    const slash = value.indexOf('/');
    const mark = markAt(value, 0, slash < 0 ? value.length : slash);
    const mask = slash < 0 ? 0xffffffff : markAt(value, slash + 1, value.length);
    r.mark = mark < 0 ? null : mark;
    r.markMask = mark < 0 || mask < 0 ? null : mask;
  }
}

const MANGLE_TARGETS = new Set(['MARK', 'CONNMARK', 'TOS', 'TTL', 'HL', 'DSCP', 'ECN', 'TPROXY', 'CLASSIFY', 'CHECKSUM']);
const NAT_TARGETS = new Set(['DNAT', 'SNAT', 'MASQUERADE', 'REDIRECT', 'NETMAP']);
const RAW_TARGETS = new Set(['NOTRACK', 'CT']);

/** The table a target can only (or in practice, for Docker) live in; null when it says nothing. */
function tableForTarget(target: string | null): string | null {
  if (target === null) return null;
  if (MANGLE_TARGETS.has(target)) return 'mangle';
  if (NAT_TARGETS.has(target)) return 'nat';
  if (RAW_TARGETS.has(target)) return 'raw';
  return null;
}

/** The table that a set of built-in chain names points at (a whole listed table shows them all). */
function tableForChains(chains: ReadonlySet<string>): string | null {
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
  const rules = pending.rules;
  if (rules.length === 0 && pending.chains.length === 0) return out;
  let fallback: string;
  let source: TableSource;
  if (known !== null) {
    fallback = known.table;
    source = known.source;
  } else {
    const votes = new Map<string, number>();
    const builtins = new Set<string>();
    for (const r of rules) {
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
    source = 'inferred';
  }
  // The common case (one table for the whole fragment) reuses the pending array as is.
  let simple = true;
  if (known === null) {
    for (const r of rules) {
      const own = tableForTarget(r.target);
      if (own !== null && own !== fallback) {
        simple = false;
        break;
      }
    }
  }
  const main: IptablesTable = { name: fallback, source, chains: [], rules: simple ? rules : [] };
  const mainChains = new Set<string>();
  out.push(main);
  for (const c of pending.chains) {
    if (mainChains.has(c.name)) continue;
    mainChains.add(c.name);
    main.chains.push(c);
  }
  // Other tables only appear in headerless fragments whose rules name one by their target.
  let others: Map<string, { table: IptablesTable; chainNames: Set<string> }> | null = null;
  for (const r of rules) {
    let table = main;
    let chainNames = mainChains;
    if (!simple) {
      const own = tableForTarget(r.target);
      if (own !== null && own !== fallback) {
        if (others === null) others = new Map();
        let o = others.get(own);
        if (o === undefined) {
          o = { table: { name: own, source, chains: [], rules: [] }, chainNames: new Set() };
          others.set(own, o);
          out.push(o.table);
        }
        table = o.table;
        chainNames = o.chainNames;
      }
    }
    r.table = table.name;
    r.tableSource = source;
    if (!simple) table.rules.push(r);
    if (!chainNames.has(r.chain)) {
      chainNames.add(r.chain);
      table.chains.push({ name: r.chain, policy: null, counters: null, references: null });
    }
  }
  if (main.rules.length === 0 && main.chains.length === 0) out.shift();
  return out;
}
