/**
 * `iptables-save` (with or without -c counters) and `iptables -S` output: `*table`, `:CHAIN
 * POLICY [p:b]`, `-A CHAIN options`, `COMMIT`, `#` comments. Pasted fragments often lack the
 * `*table` line or COMMIT (authors trim them, or grep the MARK lines); their table comes from a
 * `-t x` on the command that printed them, else from what the rules themselves say
 * (MARK -> mangle, DNAT/SNAT -> nat), see resolveFragment.
 */
import type { CommandHints } from './lines';
import { deriveRule, emptyRule, resolveFragment, setOption, type PendingSection } from './iptablesRule';
import { scan, type BlockFactory, type BlockParser } from './scan';
import { tokenize } from './tokens';
import type { Counters, IptablesChain, IptablesMatch, IptablesParseResult, IptablesRule, IptablesTable, NegatableField, TableSource } from './types';
import { normaliseAddress, normaliseProtocol, parseCount } from './values';

const TABLE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;

/** `[12:3456]` -> counters; null when not that form. */
function bracketCounters(s: string): Counters | null {
  if (s.length < 5 || s.charAt(0) !== '[' || s.charAt(s.length - 1) !== ']') return null;
  const colon = s.indexOf(':');
  if (colon < 0) return null;
  const packets = parseCount(s.slice(1, colon));
  const bytes = parseCount(s.slice(colon + 1, -1));
  return packets === null || bytes === null ? null : { packets, bytes };
}

const APPEND = new Set(['-A', '--append', '-I', '--insert']);
const POLICY = new Set(['-P', '--policy']);
const NEW_CHAIN = new Set(['-N', '--new-chain']);

/** Whether tokens start a rule/policy/chain line (`-A CHAIN`, not ipvsadm's `-A -f 259`). */
function isRuleHead(tokens: string[]): boolean {
  const op = tokens[0];
  const chain = tokens[1];
  if (op === undefined || chain === undefined || chain.length === 0 || chain.charAt(0) === '-') return false;
  if (APPEND.has(op) || NEW_CHAIN.has(op)) return true;
  return POLICY.has(op) && tokens[2] !== undefined && /^[A-Z]+$/.test(tokens[2]);
}

function takeValue(tokens: string[], i: number): string {
  const v = tokens[i];
  return v === undefined ? '' : v;
}

/** Decodes the options after `-A CHAIN` into the rule. */
function readRuleOptions(r: IptablesRule, tokens: string[], start: number): void {
  let negate = false;
  let match: IptablesMatch | null = null;
  let inTarget = false;
  const neg = (f: NegatableField): void => {
    if (negate) r.negated.push(f);
  };
  for (let i = start; i < tokens.length; i++) {
    const w = tokens[i]!;
    if (w === '!') {
      negate = true;
      continue;
    }
    switch (w) {
      case '-s':
      case '--source':
      case '--src':
        r.source = normaliseAddress(takeValue(tokens, ++i));
        neg('source');
        break;
      case '-d':
      case '--destination':
      case '--dst':
        r.destination = normaliseAddress(takeValue(tokens, ++i));
        neg('destination');
        break;
      case '-p':
      case '--protocol':
        r.protocol = normaliseProtocol(takeValue(tokens, ++i));
        neg('protocol');
        break;
      case '-i':
      case '--in-interface':
        r.inInterface = takeValue(tokens, ++i);
        neg('inInterface');
        break;
      case '-o':
      case '--out-interface':
        r.outInterface = takeValue(tokens, ++i);
        neg('outInterface');
        break;
      case '-m':
      case '--match':
        match = { module: takeValue(tokens, ++i), options: {} };
        r.matches.push(match);
        inTarget = false;
        break;
      case '-j':
      case '--jump':
      case '-g':
      case '--goto':
        r.target = takeValue(tokens, ++i) || null;
        r.goto = w === '-g' || w === '--goto';
        inTarget = true;
        match = null;
        break;
      case '-c':
      case '--set-counters': {
        const packets = parseCount(takeValue(tokens, i + 1));
        const bytes = parseCount(takeValue(tokens, i + 2));
        if (packets !== null && bytes !== null) r.counters = { packets, bytes };
        i += 2;
        break;
      }
      default:
        if (w.startsWith('--') && w.length > 2) {
          const values: string[] = [];
          while (i + 1 < tokens.length) {
            const nx = tokens[i + 1]!;
            if (nx === '!' || (nx.startsWith('-') && nx.length > 1 && !/^-\d/.test(nx))) break;
            values.push(nx);
            i++;
          }
          const key = (negate ? '!' : '') + w.slice(2);
          if (inTarget) setOption(r.targetOptions, key, values.join(' '));
          else {
            if (match === null) {
              // `-p tcp --dport 80` without `-m tcp`: iptables loads the protocol match implicitly.
              match = { module: r.protocol ?? 'unknown', options: {} };
              r.matches.push(match);
            }
            setOption(match.options, key, values.join(' '));
          }
        }
        // Anything else is a stray word; the raw line keeps it.
        break;
    }
    negate = false;
  }
}

/** Parser state for one iptables-save / iptables -S block. */
export class IptablesSaveBlock implements BlockParser {
  readonly commentsHash = true;
  readonly tables: IptablesTable[] = [];
  private readonly hinted: { table: string; source: TableSource } | null;
  private known: { table: string; source: TableSource } | null;
  private pending: PendingSection = { rules: [], chains: [] };

  constructor(hintTable: string | null) {
    this.hinted = hintTable === null ? null : { table: hintTable, source: 'command' };
    this.known = this.hinted;
  }

  private flush(): void {
    for (const t of resolveFragment(this.pending, this.known)) this.tables.push(t);
    this.pending = { rules: [], chains: [] };
  }

  private addChain(c: IptablesChain): void {
    this.pending.chains.push(c);
  }

  feed(t: string, lineNo: number): boolean {
    const c0 = t.charAt(0);
    if (c0 === '#') return true; // comment: `# Generated by`, `# Completed on`, authors' `### notes`
    if (c0 === '*') {
      const name = t.slice(1).trim();
      if (!TABLE_NAME.test(name)) return false;
      this.flush();
      this.known = { table: name, source: 'header' };
      return true;
    }
    if (t === 'COMMIT') {
      this.flush();
      this.known = this.hinted;
      return true;
    }
    if (c0 === ':') {
      const tokens = tokenize(t);
      const name = tokens[0]!.slice(1);
      if (name.length === 0 || tokens.length < 2 || tokens.length > 3) return false;
      const counters = tokens[2] === undefined ? null : bracketCounters(tokens[2]);
      if (tokens[2] !== undefined && counters === null) return false;
      this.addChain({ name, policy: tokens[1] === '-' ? null : tokens[1]!, counters, references: null });
      return true;
    }
    let counters: Counters | null = null;
    let body = t;
    if (c0 === '[') {
      const close = t.indexOf(']');
      if (close < 0) return false;
      counters = bracketCounters(t.slice(0, close + 1));
      if (counters === null) return false;
      body = t.slice(close + 1).trim();
    }
    if (body.charAt(0) !== '-') return false;
    const tokens = tokenize(body);
    if (!isRuleHead(tokens)) return false;
    const op = tokens[0]!;
    const chain = tokens[1]!;
    if (NEW_CHAIN.has(op)) {
      this.addChain({ name: chain, policy: null, counters: null, references: null });
      return true;
    }
    if (POLICY.has(op)) {
      let pc: Counters | null = null;
      if (tokens[3] === '-c') {
        const p = parseCount(takeValue(tokens, 4));
        const b = parseCount(takeValue(tokens, 5));
        if (p !== null && b !== null) pc = { packets: p, bytes: b };
      }
      this.addChain({ name: chain, policy: tokens[2]!, counters: pc, references: null });
      return true;
    }
    const r = emptyRule(chain, t, lineNo);
    let start = 2;
    if ((op === '-I' || op === '--insert') && tokens[2] !== undefined && /^\d+$/.test(tokens[2])) start = 3;
    readRuleOptions(r, tokens, start);
    if (counters !== null) r.counters = counters;
    deriveRule(r);
    this.pending.rules.push(r);
    return true;
  }

  blank(): void {
    // iptables-save has no blank lines; a pasted one changes nothing.
  }

  finish(): void {
    this.flush();
  }
}

/** Whether a line can begin an iptables-save / -S block. */
export function startsIptablesSave(t: string): boolean {
  const c0 = t.charAt(0);
  if (c0 === '*') return TABLE_NAME.test(t.slice(1));
  if (c0 === ':') return /^:[^\s:]+ [A-Z-]+( \[\d+:\d+\])?$/.test(t);
  if (c0 === '#') return /^# (Generated by|Completed on) /.test(t) || /^# Generated by ip6?tables/.test(t);
  if (t === 'COMMIT') return true;
  if (c0 === '[') {
    const close = t.indexOf(']');
    if (close < 0 || bracketCounters(t.slice(0, close + 1)) === null) return false;
    return isRuleHead(tokenize(t.slice(close + 1)));
  }
  if (c0 !== '-') return false;
  return isRuleHead(tokenize(t.slice(0, 200)));
}

export const iptablesSaveFactory: BlockFactory<IptablesSaveBlock> = {
  format: 'iptables-save',
  starts: (t) => startsIptablesSave(t),
  create: (hints: CommandHints) => new IptablesSaveBlock(hints.iptablesTable),
};

/**
 * Parses `iptables-save` / `iptables -S` text, including pasted fragments with prompts, prose and
 * markdown around them. Each `*table ... COMMIT` section (or headerless fragment) is one entry of
 * `tables`, in input order; lines that are neither rules nor known noise count in skippedLines.
 */
export function parseIptablesSave(text: string): IptablesParseResult {
  const res = scan(text, [iptablesSaveFactory]);
  const tables: IptablesTable[] = [];
  for (const b of res.blocks) for (const t of (b.parser as IptablesSaveBlock).tables) tables.push(t);
  return { tables, skippedLines: res.skippedLines };
}

/** All rules of a parse result, in table order then rule order. */
export function flattenRules(result: { tables: IptablesTable[] }): IptablesRule[] {
  const out: IptablesRule[] = [];
  for (const t of result.tables) for (const r of t.rules) out.push(r);
  return out;
}

