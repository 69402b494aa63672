/**
 * `iptables-save` (with or without -c counters) and `iptables -S` output: `*table`, `:CHAIN
 * POLICY [p:b]`, `-A CHAIN options`, `COMMIT`, `#` comments. Pasted fragments often lack the
 * `*table` line or COMMIT (authors trim them, or grep the MARK lines); their table comes from a
 * `-t x` on the command that printed them, else from what the rules themselves say
 * (MARK -> mangle, DNAT/SNAT -> nat), see resolveFragment.
 */
import type { CommandHints } from './lines';
import { addMatch, addNegated, emptyRule, resolveFragment, setMatchOption, setTargetOption, type PendingSection } from './iptablesRule';
import { scan, type BlockFactory, type BlockParser } from './scan';
import { internAt, Lexer, tokenize } from './tokens';
import type { Counters, IptablesChain, IptablesMatch, IptablesParseResult, IptablesRule, IptablesTable, TableSource } from './types';
import { countAt, decimalAt, normaliseAddress, normaliseProtocol } from './values';

const TABLE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;

// iptables-save -c prints [0:0] for most rules; they share one frozen record (read-only data).
const ZERO: Counters = Object.freeze({ packets: 0, bytes: 0 });

/** `[12:3456]` in s[a, b) -> counters; null when not that form. */
function bracketCounters(s: string, a: number, b: number): Counters | null {
  if (b - a < 5 || s.charCodeAt(a) !== 91 || s.charCodeAt(b - 1) !== 93) return null;
  if (b - a === 5 && s.charCodeAt(a + 1) === 48 && s.charCodeAt(a + 2) === 58 && s.charCodeAt(a + 3) === 48) return ZERO;
  const colon = s.indexOf(':', a);
  if (colon < 0 || colon >= b) return null;
  const packets = countAt(s, a + 1, colon);
  const bytes = countAt(s, colon + 1, b - 1);
  return packets < 0 || bytes < 0 ? null : { packets, bytes };
}

// Words that recur in every dump, shared instead of copied per rule (see internAt).
const COMMON_NAMES = [
  'INPUT', 'OUTPUT', 'PREROUTING', 'POSTROUTING', 'FORWARD', 'MARK', 'DNAT', 'SNAT', 'ACCEPT', 'DROP',
  'RETURN', 'MASQUERADE', 'REDIRECT', 'REJECT', 'DOCKER', 'DOCKER-INGRESS', 'DOCKER-USER',
  'DOCKER_OUTPUT', 'DOCKER_POSTROUTING', 'DOCKER-FORWARD', 'DOCKER-CT', 'DOCKER-BRIDGE',
];
const COMMON_KEYS = [
  'dport', 'sport', 'set-xmark', 'set-mark', 'to-destination', 'to-source', 'to-ports', 'ctstate', 'state',
  'dst-type', 'src-type', 'ipvs', 'comment', 'match-set', 'and-mark', 'or-mark', 'xor-mark', 'icmp-type',
  'mark', 'dports', 'sports', 'vaddr', 'vport', 'vdir', 'vmethod', 'reject-with', 'random', 'persistent',
];
const COMMON_MODULES = ['tcp', 'udp', 'sctp', 'ipvs', 'addrtype', 'conntrack', 'state', 'comment', 'multiport', 'mark', 'set', 'icmp'];

/** `-A`, `-I`, `-P`, `-N` by their letter; '' for anything else. */
function shortOp(c: number): string {
  return c === 65 ? 'A' : c === 73 ? 'I' : c === 80 ? 'P' : c === 78 ? 'N' : '';
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

/** Address word -> rule address: /32 dropped, any-address null (no copy for the common cases). */
function addressAt(lx: Lexer): string | null {
  const s = lx.s;
  const a = lx.ts;
  const b = lx.te;
  if (lx.is('0.0.0.0/0') || lx.is('::/0')) return null;
  if (b - a > 3 && s.startsWith('/32', b - 3)) {
    const colon = s.indexOf(':', a);
    if (colon < 0 || colon >= b) return s.slice(a, b - 3);
  }
  return normaliseAddress(lx.text());
}

/** Which short option a long one spells (`--destination` is `-d`), by its third character first
 *  so that most words cost one comparison; 0 when it is none of these. */
function longFlag(lx: Lexer): number {
  switch (lx.s.charCodeAt(lx.ts + 2)) {
    case 115 /* s */:
      return lx.is('--source') || lx.is('--src') ? 115 : lx.is('--set-counters') ? 99 : 0;
    case 100 /* d */:
      return lx.is('--destination') || lx.is('--dst') ? 100 : 0;
    case 112 /* p */:
      return lx.is('--protocol') ? 112 : 0;
    case 105 /* i */:
      return lx.is('--in-interface') ? 105 : 0;
    case 111 /* o */:
      return lx.is('--out-interface') ? 111 : 0;
    case 109 /* m */:
      return lx.is('--match') ? 109 : 0;
    case 106 /* j */:
      return lx.is('--jump') ? 106 : 0;
    case 103 /* g */:
      return lx.is('--goto') ? 103 : 0;
    default:
      return 0;
  }
}

/** Decodes the options after `-A CHAIN` into the rule; lx stands on the chain word. */
function readRuleOptions(r: IptablesRule, lx: Lexer): void {
  let negate = false;
  let match: IptablesMatch | null = null;
  let inTarget = false;
  const s = lx.s;
  while (lx.next()) {
    const len = lx.te - lx.ts;
    const c0 = lx.first();
    if (c0 === 33 /* ! */ && len === 1) {
      negate = true;
      continue;
    }
    let flag = 0;
    let long = false;
    if (c0 === 45 /* - */ && len >= 2) {
      const c1 = s.charCodeAt(lx.ts + 1);
      if (len === 2) flag = c1;
      else if (c1 === 45) {
        flag = longFlag(lx);
        long = flag === 0;
      }
    }
    switch (flag) {
      case 115 /* -s */:
        if (lx.next()) r.source = addressAt(lx);
        if (negate) addNegated(r, 'source');
        break;
      case 100 /* -d */:
        if (lx.next()) r.destination = addressAt(lx);
        if (negate) addNegated(r, 'destination');
        break;
      case 112 /* -p */:
        if (lx.next()) r.protocol = normaliseProtocol(internAt(s, lx.ts, lx.te, COMMON_MODULES));
        if (negate) addNegated(r, 'protocol');
        break;
      case 105 /* -i */:
        if (lx.next()) r.inInterface = lx.text();
        if (negate) addNegated(r, 'inInterface');
        break;
      case 111 /* -o */:
        if (lx.next()) r.outInterface = lx.text();
        if (negate) addNegated(r, 'outInterface');
        break;
      case 109 /* -m */:
        match = addMatch(r, lx.next() ? internAt(s, lx.ts, lx.te, COMMON_MODULES) : '');
        inTarget = false;
        break;
      case 106 /* -j */:
      case 103 /* -g */:
        r.goto = flag === 103;
        r.target = lx.next() ? internAt(s, lx.ts, lx.te, COMMON_NAMES) : null;
        inTarget = true;
        match = null;
        break;
      case 99 /* -c */: {
        const p = lx.next() ? countAt(s, lx.ts, lx.te) : -1;
        const b = lx.next() ? countAt(s, lx.ts, lx.te) : -1;
        if (p >= 0 && b >= 0) r.counters = { packets: p, bytes: b };
        break;
      }
      default: {
        // Anything but a `--option` here is a stray word; the raw line keeps it.
        if (!long) break;
        const name = internAt(s, lx.ts + 2, lx.te, COMMON_KEYS);
        // The value is every following word up to the next option (`--match-set name dst`).
        let value = '';
        let first = true;
        while (!lx.peekOption() && lx.next()) {
          value = first ? lx.text() : value + ' ' + lx.text();
          first = false;
        }
        const key = negate ? '!' + name : name;
        if (inTarget) setTargetOption(r, key, value);
        else {
          // `-p tcp --dport 80` without `-m tcp`: iptables loads the protocol match implicitly.
          if (match === null) match = addMatch(r, r.protocol ?? 'unknown');
          setMatchOption(r, match, key, value);
        }
      }
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
  private readonly lx = new Lexer();

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
      const ct = tokens[2];
      const counters = ct === undefined ? null : bracketCounters(ct, 0, ct.length);
      if (ct !== undefined && counters === null) return false;
      this.addChain({ name, policy: tokens[1] === '-' ? null : tokens[1]!, counters, references: null });
      return true;
    }
    let counters: Counters | null = null;
    let from = 0;
    if (c0 === '[') {
      const close = t.indexOf(']');
      if (close < 0) return false;
      counters = bracketCounters(t, 0, close + 1);
      if (counters === null) return false;
      from = close + 1;
    }
    const lx = this.lx;
    lx.reset(t, from, t.length);
    if (!lx.next() || lx.first() !== 45) return false;
    const op = lx.te - lx.ts === 2 ? shortOp(t.charCodeAt(lx.ts + 1)) : lx.is('--append') ? 'A' : lx.is('--insert') ? 'I' : lx.is('--policy') ? 'P' : lx.is('--new-chain') ? 'N' : '';
    // The chain never starts with '-': that is how `-A -f 259` (ipvsadm -S) is told apart.
    if (op === '' || !lx.next() || lx.first() === 45) return false;
    const chain = internAt(t, lx.ts, lx.te, COMMON_NAMES);
    if (op === 'N') {
      this.addChain({ name: chain, policy: null, counters: null, references: null });
      return true;
    }
    if (op === 'P') {
      if (!lx.next() || !/^[A-Z]+$/.test(lx.text())) return false;
      const policy = lx.text();
      let pc: Counters | null = null;
      if (lx.next() && lx.is('-c')) {
        const p = lx.next() ? countAt(t, lx.ts, lx.te) : -1;
        const b = lx.next() ? countAt(t, lx.ts, lx.te) : -1;
        if (p >= 0 && b >= 0) pc = { packets: p, bytes: b };
      }
      this.addChain({ name: chain, policy, counters: pc, references: null });
      return true;
    }
    if (op === 'I') {
      // `-I CHAIN [rulenum]`: skip the number when there is one.
      const save = lx.pos;
      if (!(lx.next() && decimalAt(t, lx.ts, lx.te) >= 0)) lx.pos = save;
    }
    const r = emptyRule(chain, t, lineNo);
    readRuleOptions(r, lx);
    if (counters !== null) r.counters = counters;
    this.pending.rules.push(r);
    return true;
  }

  blank(): void {
    // iptables-save prints no blank lines. In a pasted headerless fragment, a blank line or prose
    // separates pieces that may come from different tables: guess each piece's table on its own.
    if (this.known === null) this.flush();
  }

  interrupted(): void {
    if (this.known === null) this.flush();
  }

  finish(): void {
    this.flush();
  }
}

/** Whether a line can begin an iptables-save / -S block. */
function startsIptablesSave(t: string): boolean {
  const c0 = t.charAt(0);
  if (c0 === '*') return TABLE_NAME.test(t.slice(1));
  if (c0 === ':') return /^:[^\s:]+ [A-Z-]+( \[\d+:\d+\])?$/.test(t);
  if (c0 === '#') return /^# (Generated by|Completed on) /.test(t) || /^# Generated by ip6?tables/.test(t);
  if (t === 'COMMIT') return true;
  if (c0 === '[') {
    const close = t.indexOf(']');
    if (close < 0 || bracketCounters(t, 0, close + 1) === null) return false;
    return isRuleHead(tokenize(t.slice(close + 1, close + 200)));
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

