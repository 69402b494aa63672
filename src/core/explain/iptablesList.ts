/**
 * `iptables -L` listings: -n or names, with or without -v (pkts/bytes, in/out columns), with or
 * without --line-numbers. Rules come out in the same IptablesRule shape as iptables-save's, with
 * the trailing words decoded back into matches and target options:
 *   `MARK set 0x103` / `MARK xset 0x103/0xffffffff`, `tcp dpt:8080`, `to:172.18.0.2:8080`,
 *   `redir ports 80`, `ipvs`, `ADDRTYPE match dst-type LOCAL`, `ctstate RELATED,ESTABLISHED`.
 * Counters carry K/M/G/T suffixes (x1000). Newer iptables prints protocol numbers (`6`, `0`).
 * The table is the `-t x` of the command that printed the listing; without one it is guessed
 * from the built-in chains listed and the targets (see resolveFragment).
 */
import type { CommandHints } from '../parse/lines';
import { words } from '../parse/lines';
import { addMatch, addNegated, BUILTIN_CHAINS, emptyRule, resolveFragment, setMatchOption, setTargetOption, type PendingSection } from '../parse/iptablesRule';
import { scan, type BlockFactory, type BlockParser } from '../parse/scan';
import type { IptablesChain, IptablesMatch, IptablesParseResult, IptablesRule, IptablesTable, NegatableField } from '../parse/types';
import { normaliseAddress, normaliseProtocol, parseCount, parseDecimal } from '../parse/values';

/** `Chain NAME (policy ACCEPT 14 packets, 1039 bytes)`, `(policy DROP)`, `(2 references)`. */
function parseChainHeader(t: string): IptablesChain | null {
  if (!t.startsWith('Chain ')) return null;
  const open = t.indexOf('(');
  const close = t.lastIndexOf(')');
  const name = (open < 0 ? t.slice(6) : t.slice(6, open)).trim();
  if (name.length === 0 || name.indexOf(' ') >= 0) return null;
  const chain: IptablesChain = { name, policy: null, counters: null, references: null };
  if (open < 0 || close < open) return open < 0 ? chain : null;
  const inner = words(t.slice(open + 1, close).trim());
  if (inner[0] === 'policy') {
    chain.policy = inner[1] ?? null;
    const pi = inner.indexOf('packets,');
    const bi = inner.indexOf('bytes');
    if (pi === 3 && bi === 5) {
      const packets = parseCount(inner[2]!);
      const bytes = parseCount(inner[4]!);
      if (packets !== null && bytes !== null) chain.counters = { packets, bytes };
    }
  } else if (inner.length === 2 && (inner[1] === 'references' || inner[1] === 'reference')) {
    chain.references = parseDecimal(inner[0]!);
  }
  return chain;
}

/** The column header line: `pkts bytes target prot opt in out source destination`, maybe `num` first. */
function parseColumnHeader(t: string): { num: boolean; verbose: boolean } | null {
  // The header is short; do not split a long line just to find out it is not one.
  if (t.length > 160 || t.indexOf('destination') < 0) return null;
  const w = words(t);
  if (w.length < 5 || w.indexOf('target') < 0 || w.indexOf('source') < 0 || w.indexOf('destination') < 0) return null;
  if (w[0] !== 'num' && w[0] !== 'pkts' && w[0] !== 'target') return null;
  return { num: w[0] === 'num', verbose: w.indexOf('pkts') >= 0 };
}

function isOpt(s: string | undefined): boolean {
  return s === '--' || s === '-f' || s === '!f' || s === '-4' || s === '-6';
}

const ADDRESSISH = /^!?[A-Za-z0-9_.:/-]+$/;
const PROTOISH = /^!?[A-Za-z0-9_-]+$/;
const PORT_MODULES = new Set(['tcp', 'udp', 'sctp', 'udplite', 'dccp']);
const CONNTRACK_WORDS = new Set(['ctstate', 'ctstatus', 'ctproto', 'ctdir', 'ctorigsrc', 'ctorigdst', 'ctreplsrc', 'ctrepldst', 'ctexpire']);
const IPVS_WORDS = new Set(['vaddr', 'vport', 'vproto', 'vdir', 'vmethod', 'vportctl']);

function field(v: string, r: IptablesRule, f: NegatableField): string {
  if (v.charAt(0) === '!') {
    addNegated(r, f);
    return v.slice(1);
  }
  return v;
}

/** Decodes the words after the destination column into matches and target options. */
function decodeExtras(r: IptablesRule, x: string[]): void {
  const match = (module: string): IptablesMatch => addMatch(r, module);
  let negate = false;
  for (let i = 0; i < x.length; i++) {
    const w = x[i]!;
    const bang = negate ? '!' : '';
    negate = false;
    if (w === '!') {
      negate = true;
      continue;
    }
    if (w.startsWith('/*')) {
      // `/* comment words */`
      const parts: string[] = [];
      let j = i;
      for (; j < x.length; j++) {
        parts.push(x[j]!);
        if (x[j]!.endsWith('*/') && (j > i || x[j]!.length >= 4)) break;
      }
      const text = parts.join(' ').replace(/^\/\*\s?/, '').replace(/\s?\*\/$/, '');
      setMatchOption(r, match('comment'), 'comment', text);
      i = j;
      continue;
    }
    if (w === 'MARK' && (x[i + 1] === 'set' || x[i + 1] === 'xset' || x[i + 1] === 'and' || x[i + 1] === 'or' || x[i + 1] === 'xor')) {
      const op = x[i + 1]!;
      const key = op === 'set' ? 'set-mark' : op === 'xset' ? 'set-xmark' : `${op}-mark`;
      setTargetOption(r, key, x[i + 2] ?? '');
      i += 2;
      continue;
    }
    if (w === 'mark' && x[i + 1] === 'match') {
      const o = negatableValue(x, i + 2);
      setMatchOption(r, match('mark'), o.neg + 'mark', o.value);
      i += 2 + o.extra;
      continue;
    }
    if (PORT_MODULES.has(w)) {
      const m = match(w);
      while (i + 1 < x.length) {
        const nx = x[i + 1]!;
        const colon = nx.indexOf(':');
        const key = colon > 0 ? nx.slice(0, colon) : '';
        if (key === 'dpt' || key === 'dpts' || key === 'spt' || key === 'spts') {
          let v = nx.slice(colon + 1);
          const negated = v.charAt(0) === '!';
          if (negated) v = v.slice(1);
          setMatchOption(r, m, (negated ? '!' : '') + (key.charAt(0) === 'd' ? 'dport' : 'sport'), v);
        } else if (key === 'flags' || key === 'option' || nx.startsWith('option=')) {
          setMatchOption(r, m, key || 'option', nx.slice(colon + 1));
        } else break;
        i++;
      }
      continue;
    }
    if (w === 'multiport' && (x[i + 1] === 'dports' || x[i + 1] === 'sports' || x[i + 1] === 'ports')) {
      const o = negatableValue(x, i + 2);
      setMatchOption(r, match('multiport'), o.neg + x[i + 1]!, o.value);
      i += 2 + o.extra;
      continue;
    }
    if (w === 'ADDRTYPE' && x[i + 1] === 'match') {
      const m = match('addrtype');
      i++;
      while (i + 1 < x.length) {
        const k = x[i + 1]!;
        if (k === 'limit-in' || k === 'limit-out') {
          setMatchOption(r, m, k, '');
          i++;
          continue;
        }
        if (k !== 'dst-type' && k !== 'src-type') break;
        const o = negatableValue(x, i + 2);
        setMatchOption(r, m, o.neg + k, o.value);
        i += 2 + o.extra;
      }
      continue;
    }
    if (w === 'ctstate' || w === 'state') {
      setMatchOption(r, match(w === 'state' ? 'state' : 'conntrack'), bang + w, x[i + 1] ?? '');
      i++;
      continue;
    }
    if (CONNTRACK_WORDS.has(w)) {
      setMatchOption(r, match('conntrack'), bang + w, x[i + 1] ?? '');
      i++;
      continue;
    }
    if (w === 'ipvs') {
      const m = match('ipvs');
      setMatchOption(r, m, bang + 'ipvs', '');
      while (i + 1 < x.length && IPVS_WORDS.has(x[i + 1]!)) {
        setMatchOption(r, m, x[i + 1]!, x[i + 2] ?? '');
        i += 2;
      }
      continue;
    }
    if (w === 'icmptype' || w === 'icmpv6type') {
      setMatchOption(r, match(w === 'icmptype' ? 'icmp' : 'icmp6'), bang + (w === 'icmptype' ? 'icmp-type' : 'icmpv6-type'), x[i + 1] ?? '');
      i++;
      continue;
    }
    if (w === 'match-set') {
      setMatchOption(r, match('set'), bang + 'match-set', `${x[i + 1] ?? ''} ${x[i + 2] ?? ''}`.trim());
      i += 2;
      continue;
    }
    if (w.startsWith('to:')) {
      const v = w.slice(3);
      const key = r.target === 'SNAT' ? 'to-source' : r.target === 'DNAT' ? 'to-destination' : 'to';
      setTargetOption(r, key, v);
      continue;
    }
    if ((w === 'redir' || w === 'masq') && (x[i + 1] === 'ports' || x[i + 1] === 'ports:')) {
      setTargetOption(r, 'to-ports', x[i + 2] ?? '');
      i += 2;
      continue;
    }
    if (w === '[goto]') {
      r.goto = true;
      continue;
    }
    if (w === 'reject-with') {
      setTargetOption(r, 'reject-with', x[i + 1] ?? '');
      i++;
      continue;
    }
    if (w === 'random' || w === 'persistent' || w === 'random-fully') {
      setTargetOption(r, w, '');
    }
    // Other words (LOG prefixes, limits, ...) stay in the raw line.
  }
}

/** Parser state for one -L listing block; a repeated built-in chain starts a new table section. */
export class IptablesListBlock implements BlockParser {
  readonly tables: IptablesTable[] = [];
  private readonly hint: string | null;
  private pending: PendingSection = { rules: [], chains: [] };
  private seenBuiltins = new Set<string>();
  private chain: string | null = null;
  private layout: { num: boolean; verbose: boolean } | null = null;

  constructor(hintTable: string | null) {
    this.hint = hintTable;
  }

  private flush(): void {
    const known = this.hint === null ? null : { table: this.hint, source: 'command' as const };
    for (const t of resolveFragment(this.pending, known)) this.tables.push(t);
    this.pending = { rules: [], chains: [] };
    this.seenBuiltins = new Set();
  }

  feed(t: string, lineNo: number): boolean {
    if (t.startsWith('Chain ')) {
      const c = parseChainHeader(t);
      if (c === null) return false;
      if (BUILTIN_CHAINS.has(c.name)) {
        // Two listings pasted back to back without their commands: a second INPUT is a new table.
        if (this.seenBuiltins.has(c.name)) this.flush();
        this.seenBuiltins.add(c.name);
      }
      this.pending.chains.push(c);
      this.chain = c.name;
      return true;
    }
    const header = parseColumnHeader(t);
    if (header !== null) {
      this.layout = header;
      return true;
    }
    if (t.startsWith('# Warning:')) return true; // iptables-nft: "legacy tables present"
    if (this.chain === null && this.layout === null) return false;
    const r = this.parseRule(t, lineNo);
    if (r === null) return false;
    this.pending.rules.push(r);
    return true;
  }

  private parseRule(t: string, lineNo: number): IptablesRule | null {
    const w = words(t);
    let i = 0;
    let num = this.layout?.num ?? false;
    let verbose = this.layout?.verbose ?? false;
    if (this.layout === null) {
      // No column header seen (trimmed paste): guess from the leading numbers.
      const a = parseCount(w[0] ?? '') !== null;
      const b = parseCount(w[1] ?? '') !== null;
      const c = parseCount(w[2] ?? '') !== null;
      num = a && b && c;
      verbose = a && b;
    }
    if (num) {
      if (parseDecimal(w[i] ?? '') === null) return null;
      i++;
    }
    let packets: number | null = null;
    let bytes: number | null = null;
    if (verbose) {
      packets = parseCount(w[i] ?? '');
      bytes = parseCount(w[i + 1] ?? '');
      if (packets === null || bytes === null) return null;
      i += 2;
    }
    let target: string | null = null;
    let prot: string;
    if (isOpt(w[i + 1])) {
      // A rule without a target: `0 0  all -- * * 0.0.0.0/0 0.0.0.0/0`.
      prot = w[i]!;
      i += 2;
    } else if (isOpt(w[i + 2])) {
      target = w[i]!;
      prot = w[i + 1]!;
      i += 3;
    } else {
      // No opt column (old ip6tables prints blanks there).
      if (w[i] === undefined || w[i + 1] === undefined) return null;
      target = w[i]!;
      prot = w[i + 1]!;
      i += 2;
    }
    if (prot === undefined || !PROTOISH.test(prot)) return null;
    let inIf: string | null = null;
    let outIf: string | null = null;
    if (verbose) {
      inIf = w[i] ?? null;
      outIf = w[i + 1] ?? null;
      i += 2;
    }
    const src = w[i];
    const dst = w[i + 1];
    if (src === undefined || dst === undefined || !ADDRESSISH.test(src) || !ADDRESSISH.test(dst)) return null;
    i += 2;
    const r = emptyRule(this.chain ?? '', t, lineNo);
    r.target = target;
    const p = field(prot, r, 'protocol');
    r.protocol = normaliseProtocol(p);
    if (inIf !== null && inIf !== '*') r.inInterface = field(inIf, r, 'inInterface');
    if (outIf !== null && outIf !== '*') r.outInterface = field(outIf, r, 'outInterface');
    r.source = normaliseAddress(field(src, r, 'source'));
    r.destination = normaliseAddress(field(dst, r, 'destination'));
    if (packets !== null && bytes !== null) r.counters = { packets, bytes };
    decodeExtras(r, w.slice(i));
    return r;
  }

  blank(): void {
    // Blank lines separate chains; the next `Chain` line says which one follows.
  }

  finish(): void {
    this.flush();
  }
}

/** Whether a line can begin an -L listing: a `Chain X (...)` line or the column header. */
function startsIptablesList(t: string): boolean {
  if (t.startsWith('Chain ')) return parseChainHeader(t) !== null && t.indexOf('(') > 0;
  if (t.startsWith('# Warning: iptables-legacy tables present')) return true;
  return parseColumnHeader(t) !== null;
}

export const iptablesListFactory: BlockFactory<IptablesListBlock> = {
  format: 'iptables-list',
  starts: (t) => startsIptablesList(t),
  create: (hints: CommandHints) => new IptablesListBlock(hints.iptablesTable),
};

/**
 * Parses `iptables [-t table] -L [-n] [-v] [--line-numbers]` output, including several listings
 * and the shell prompts and prose around them. Returns table sections in input order.
 */
export function parseIptablesList(text: string): IptablesParseResult {
  const res = scan(text, [iptablesListFactory]);
  const tables: IptablesTable[] = [];
  for (const b of res.blocks) for (const t of (b.parser as IptablesListBlock).tables) tables.push(t);
  return { tables, skippedLines: res.skippedLines };
}

/** The value word at `at` of a -nvL match, negated by a `!` word before it or glued to it. */
function negatableValue(x: readonly string[], at: number): { neg: '' | '!'; value: string; extra: number } {
  const v = x[at] ?? '';
  if (v === '!') return { neg: '!', value: x[at + 1] ?? '', extra: 1 };
  if (v.startsWith('!')) return { neg: '!', value: v.slice(1), extra: 0 };
  return { neg: '', value: v, extra: 0 };
}
