/**
 * DNS answers as people capture them inside a task container:
 *  - dig, full output (`;; ->>HEADER<<- ... status: NOERROR`, `;; ANSWER SECTION:`, tab-separated
 *    records), `+noall +answer`, and `+short` (bare addresses; the name comes from the command);
 *  - busybox nslookup, new style (alpine 3.x: `Name:`/`Address:` pairs, `Non-authoritative
 *    answer:` once per A and AAAA query, `** server can't find x: NXDOMAIN` twice) and old style
 *    (`Address 1: 10.0.0.9 name`, `nslookup: can't resolve 'x'`, and the harmless
 *    `can't resolve '(null)'` about the server that old busybox prints with Docker's DNS);
 *  - BIND nslookup (`Address: 127.0.0.11#53`, `name = x.` for PTR, `canonical name = x.`).
 * Names are returned without their trailing dot.
 */
import type { CommandHints } from './lines';
import { words } from './lines';
import { scan, type BlockFactory, type BlockParser } from './scan';
import type { DnsAnswer, DnsParseResult, DnsQuery, DnsStatus } from './types';
import { isIPv4, isIPv6, parseDecimal } from './values';

const RR_TYPES = new Set([
  'A', 'AAAA', 'CNAME', 'PTR', 'SRV', 'TXT', 'MX', 'NS', 'SOA', 'CAA', 'DS', 'DNSKEY', 'RRSIG', 'NSEC', 'NSEC3',
  'HTTPS', 'SVCB', 'NAPTR', 'ANY', 'OPT', 'SPF', 'HINFO', 'DNAME',
]);
const CLASSES = new Set(['IN', 'CH', 'HS', 'CS', 'ANY']);
const NAME_EQUALS = /^[^\s=]+\s+(canonical )?name = \S+$/;
const RCODES = new Set<DnsStatus>(['NOERROR', 'NXDOMAIN', 'SERVFAIL', 'REFUSED', 'FORMERR', 'NOTIMP']);

function stripDot(s: string): string {
  return s.length > 1 && s.endsWith('.') ? s.slice(0, -1) : s;
}

function afterColon(t: string): string {
  const c = t.indexOf(':');
  return c < 0 ? '' : t.slice(c + 1).trim();
}

function rcode(s: string): DnsStatus {
  const u = s.toUpperCase() as DnsStatus;
  return RCODES.has(u) ? u : 'ERROR';
}

/** `name. 600 IN A 10.0.0.9` (TTL or class may be missing with +nottlid/+noclass). */
function parseRecord(t: string): DnsAnswer | null {
  const w = words(t);
  if (w.length < 3) return null;
  let i = 1;
  let ttl: number | null = null;
  const maybeTtl = parseDecimal(w[1]!);
  if (maybeTtl !== null) {
    ttl = maybeTtl;
    i = 2;
  }
  let hasClass = false;
  if (CLASSES.has(w[i] ?? '')) {
    hasClass = true;
    i++;
  }
  const type = w[i];
  if (type === undefined || !RR_TYPES.has(type) || (ttl === null && !hasClass) || i + 1 >= w.length) return null;
  const data = w.slice(i + 1).join(' ');
  const address = type === 'CNAME' || type === 'PTR' || type === 'NS' || type === 'DNAME' ? stripDot(data) : data;
  return { name: stripDot(w[0]!), type, ttl, address };
}

function isBareAnswer(t: string): boolean {
  if (t.indexOf(' ') >= 0 || t.indexOf('\t') >= 0) return false;
  return isIPv4(t) || isIPv6(t) || /^[A-Za-z0-9_][A-Za-z0-9_.-]*\.$/.test(t);
}

/** Parser state for one block of dig / nslookup output. */
export class DnsBlock implements BlockParser {
  readonly queries: DnsQuery[] = [];
  private q: DnsQuery | null = null;
  private hint: CommandHints['dns'];
  private readonly allowBare: boolean;
  private section: 'question' | 'answer' | 'other' | null = null;
  private headerSeen = false;
  private serverSeen = false;
  private expectServerAddress = false;
  private pendingName: string | null = null;
  private answerHeaderSeen = false;

  constructor(hint: CommandHints['dns'], allowBare: boolean) {
    this.hint = hint;
    this.allowBare = allowBare;
  }

  private start(tool: 'dig' | 'nslookup' | null): DnsQuery {
    // The command's name and type belong to the first query of its output only.
    const h = this.hint;
    this.hint = null;
    const q: DnsQuery = {
      name: h?.name ?? null,
      type: h?.type ?? null,
      server: null,
      answers: [],
      status: 'UNKNOWN',
      tool: tool ?? h?.tool ?? null,
    };
    this.queries.push(q);
    this.q = q;
    this.section = null;
    this.headerSeen = false;
    this.serverSeen = false;
    this.expectServerAddress = false;
    this.pendingName = null;
    this.answerHeaderSeen = false;
    return q;
  }

  private ensure(tool: 'dig' | 'nslookup' | null): DnsQuery {
    const q = this.q ?? this.start(tool);
    if (q.tool === null) q.tool = tool;
    return q;
  }

  private setStatus(q: DnsQuery, s: DnsStatus): void {
    if (q.status === 'UNKNOWN' || q.status === 'NOERROR') q.status = s;
  }

  feed(t: string): boolean {
    const c0 = t.charAt(0);
    if (c0 === ';') return this.digComment(t);
    if (t.startsWith('Server:')) {
      if (this.q === null || this.serverSeen || this.q.answers.length > 0 || this.q.status !== 'UNKNOWN') {
        if (this.q !== null) this.start('nslookup');
      }
      const q = this.ensure('nslookup');
      q.server = afterColon(t) || null;
      this.serverSeen = true;
      this.expectServerAddress = true;
      return true;
    }
    if (t.startsWith('Address')) return this.nslookupAddress(t);
    if (t.startsWith('Name:')) {
      const q = this.ensure('nslookup');
      const name = stripDot(afterColon(t));
      this.pendingName = name.length > 0 ? name : null;
      if (q.name === null && this.pendingName !== null) q.name = this.pendingName;
      this.expectServerAddress = false;
      return true;
    }
    if (t.startsWith('Non-authoritative answer') || t.startsWith('Authoritative answers can be found')) {
      this.ensure('nslookup');
      this.answerHeaderSeen = true;
      this.expectServerAddress = false;
      return true;
    }
    if (t.startsWith("** server can't find ")) {
      const q = this.ensure('nslookup');
      const body = t.slice(21);
      const sep = body.lastIndexOf(': ');
      if (sep > 0) {
        if (q.name === null) q.name = stripDot(body.slice(0, sep));
        this.setStatus(q, rcode(body.slice(sep + 2).trim()));
      }
      return true;
    }
    if (t.startsWith("*** Can't find ") || t.startsWith('*** Can\u2019t find ')) {
      // NOERROR without records of that type (busybox asks A and AAAA).
      const q = this.ensure('nslookup');
      const body = t.slice(15);
      const sep = body.lastIndexOf(': ');
      if (q.name === null && sep > 0) q.name = stripDot(body.slice(0, sep));
      if (q.status === 'UNKNOWN') q.status = 'NOERROR';
      return true;
    }
    if (t.startsWith("nslookup: can't resolve '")) {
      const end = t.indexOf("'", 25);
      const name = end < 0 ? '' : t.slice(25, end);
      // Old busybox cannot reverse-resolve 127.0.0.11 and says so about '(null)': not an answer.
      if (name === '(null)') return true;
      const q = this.ensure('nslookup');
      if (q.name === null && name.length > 0) q.name = stripDot(name);
      const reason = end < 0 ? '' : t.slice(end + 1);
      this.setStatus(q, /try again/i.test(reason) ? 'TIMEOUT' : 'NXDOMAIN');
      return true;
    }
    if (NAME_EQUALS.test(t)) {
      const eq = t.indexOf('=');
      const left = t.slice(0, eq).trim();
      const owner = words(left)[0] ?? '';
      const cname = left.endsWith('canonical name');
      const data = stripDot(t.slice(eq + 1).trim());
      if (owner.length === 0 || data.length === 0) return false;
      const q = this.ensure('nslookup');
      q.answers.push({ name: stripDot(owner), type: cname ? 'CNAME' : 'PTR', ttl: null, address: data });
      return true;
    }
    const rr = parseRecord(t);
    if (rr !== null) {
      const q = this.ensure('dig');
      if (this.section === 'answer' || this.section === null) {
        q.answers.push(rr);
        if (q.name === null) q.name = rr.name;
      }
      return true;
    }
    if (isBareAnswer(t) && (this.allowBare || this.q?.tool === 'dig' || this.hint?.short === true)) {
      const q = this.ensure('dig');
      const name = q.name ?? '';
      if (isIPv4(t)) q.answers.push({ name, type: 'A', ttl: null, address: t });
      else if (isIPv6(t)) q.answers.push({ name, type: 'AAAA', ttl: null, address: t });
      else q.answers.push({ name, type: q.name !== null && q.name.endsWith('.in-addr.arpa') ? 'PTR' : 'CNAME', ttl: null, address: stripDot(t) });
      return true;
    }
    return false;
  }

  private digComment(t: string): boolean {
    if (t.startsWith('; <<>> DiG')) {
      const q = this.q !== null && this.q.answers.length === 0 && !this.headerSeen && this.q.tool !== 'nslookup' ? this.q : this.start('dig');
      q.tool = 'dig';
      const parts = t.split('<<>>');
      const args = words((parts[2] ?? '').trim());
      for (const a of args) {
        if (a.startsWith('+') || a.startsWith('@') || a.startsWith('-')) continue;
        if (RR_TYPES.has(a.toUpperCase()) && q.name !== null) q.type = a.toUpperCase();
        else if (a !== 'IN' && q.name === null) q.name = stripDot(a);
      }
      return true;
    }
    if (t.startsWith(';; ->>HEADER<<-')) {
      if (this.q === null || this.headerSeen) this.start('dig');
      const q = this.ensure('dig');
      this.headerSeen = true;
      const i = t.indexOf('status: ');
      if (i >= 0) {
        const s = t.slice(i + 8);
        const comma = s.indexOf(',');
        q.status = rcode((comma < 0 ? s : s.slice(0, comma)).trim());
      }
      return true;
    }
    if (t.startsWith(';; QUESTION SECTION')) this.section = 'question';
    else if (t.startsWith(';; ANSWER SECTION')) this.section = 'answer';
    else if (t.startsWith(';; AUTHORITY SECTION') || t.startsWith(';; ADDITIONAL SECTION') || t.startsWith(';; OPT PSEUDOSECTION')) this.section = 'other';
    else if (t.startsWith(';; SERVER:')) {
      const q = this.ensure('dig');
      const v = t.slice(10).trim();
      const hash = v.indexOf('#');
      q.server = (hash < 0 ? v.split('(')[0]! : v.slice(0, hash)).trim() || null;
    } else if (/^;; (connection timed out|communications error)/.test(t) || t.indexOf('no servers could be reached') >= 0) {
      this.setStatus(this.ensure(this.q?.tool ?? 'dig'), 'TIMEOUT');
    } else if (this.section === 'question' && !t.startsWith(';;')) {
      // `;name.		IN	A`
      const w = words(t.slice(1));
      const q = this.ensure('dig');
      // The question is what was really asked (dig applies no search list): it wins over the command.
      if (w[0] !== undefined) q.name = stripDot(w[0]);
      const type = w[w.length - 1];
      if (type !== undefined && RR_TYPES.has(type)) q.type = type;
    }
    return true;
  }

  private nslookupAddress(t: string): boolean {
    // `Address: 10.0.1.2`, `Address 1: 10.0.0.9 vote.1.x.net`, `Address:	127.0.0.11#53`.
    const head = t.slice(0, t.indexOf(':') + 1);
    if (!/^Address(es)?( \d+)?:$/.test(head)) return false;
    const value = afterColon(t);
    const q = this.ensure('nslookup');
    if (this.expectServerAddress) {
      this.expectServerAddress = false;
      if (q.server === null) q.server = value.split(/[#\s]/)[0] ?? null;
      return true;
    }
    const addr = words(value)[0] ?? '';
    const bare = addr.replace(/#\d+$/, '');
    if (isIPv4(bare) || isIPv6(bare)) {
      const name = this.pendingName ?? q.name ?? '';
      q.answers.push({ name, type: isIPv4(bare) ? 'A' : 'AAAA', ttl: null, address: bare });
    }
    return true;
  }

  blank(): void {
    this.expectServerAddress = false;
  }

  finish(): void {
    for (const q of this.queries) {
      if (q.status === 'UNKNOWN' && (q.answers.length > 0 || this.answerHeaderSeen)) q.status = 'NOERROR';
    }
  }
}

/** Whether a line can begin a block of dig / nslookup output. */
function startsDns(t: string, hints: CommandHints, allowBare: boolean): boolean {
  const c0 = t.charAt(0);
  if (c0 === ';') {
    return (
      t.startsWith('; <<>> DiG') ||
      t.startsWith(';; ->>HEADER<<-') ||
      t.startsWith(';; ANSWER SECTION') ||
      t.startsWith(';; QUESTION SECTION') ||
      t.startsWith(';; Got answer') ||
      t.startsWith(';; global options') ||
      t.startsWith(';; connection timed out') ||
      t.startsWith(';; communications error')
    );
  }
  if (t.startsWith('Server:') && t.length > 8) return true;
  if (t.startsWith('Non-authoritative answer') || t.startsWith('Authoritative answers can be found')) return true;
  // BIND nslookup's PTR and CNAME lines: `13.9.0.10.in-addr.arpa	name = web.1.x.appnet.`
  if (NAME_EQUALS.test(t)) return true;
  if (t.startsWith("** server can't find ") || t.startsWith("*** Can't find ") || t.startsWith("nslookup: can't resolve '")) return true;
  if (hints.dns !== null && (t.startsWith('Name:') || t.startsWith('Address'))) return true;
  // A record line with its class (`vote. 600 IN A 10.0.0.9`) is distinctive enough on its own.
  if (/\sIN\s/.test(t) && parseRecord(t) !== null) return true;
  return isBareAnswer(t) && (allowBare || hints.dns?.short === true);
}

export function dnsFactory(allowBare: boolean): BlockFactory<DnsBlock> {
  return {
    format: 'dns',
    starts: (t, hints) => startsDns(t, hints, allowBare),
    create: (hints: CommandHints) => new DnsBlock(hints.dns, allowBare),
  };
}

/**
 * Parses dig (full, +noall +answer, +short) and nslookup (busybox old and new, BIND) output, with
 * the commands and prompts around it. One query per dig header / nslookup `Server:` block / +short
 * command; names come from the question section, the `Name:` lines or the command line.
 */
export function parseDnsAnswers(text: string): DnsParseResult {
  const res = scan(text, [dnsFactory(true)]);
  const queries: DnsQuery[] = [];
  for (const b of res.blocks) for (const q of (b.parser as DnsBlock).queries) queries.push(q);
  return { queries, skippedLines: res.skippedLines };
}
