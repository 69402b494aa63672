/**
 * Line handling shared by every parser: walking lines, cleaning what pasting does to text
 * (U+3000 and no-break spaces, markdown quote marks, rst indentation), and telling apart the
 * lines that are not data: shell prompts and commands, markdown fences, rst directives, elisions.
 *
 * Everything is per line and bounded (prompt detection only looks at the first 160 characters),
 * so the whole pass is linear in the input size.
 */

/**
 * Walks the lines of a text without splitting it into an array (a 50 MB paste is a million
 * lines: the array alone was ~50 MB). \n, \r\n and lone \r end a line,
 * and a text that ends with a line break ends with an empty line. One line of look-ahead.
 */
export class LineCursor {
  private pos = 0;
  private done: boolean;
  /** Next \n and \r at or after pos (text.length when none); recomputed only once passed. */
  private nl = -1;
  private cr: number;
  private ahead: string | null = null;

  constructor(private readonly text: string) {
    this.done = text.length === 0;
    // Without any \r (the usual case) one indexOf per line is all it costs.
    this.cr = text.indexOf('\r') < 0 ? text.length : -1;
  }

  /** The next line without consuming it; null at the end. */
  peek(): string | null {
    if (this.ahead === null) this.ahead = this.read();
    return this.ahead;
  }

  next(): string | null {
    const line = this.peek();
    this.ahead = null;
    return line;
  }

  private read(): string | null {
    if (this.done) return null;
    const t = this.text;
    const n = t.length;
    if (this.nl < this.pos) {
      this.nl = t.indexOf('\n', this.pos);
      if (this.nl < 0) this.nl = n;
    }
    if (this.cr < this.pos) {
      this.cr = t.indexOf('\r', this.pos);
      if (this.cr < 0) this.cr = n;
    }
    const end = this.nl < this.cr ? this.nl : this.cr;
    const line = t.slice(this.pos, end);
    if (end >= n) this.done = true;
    else this.pos = end + (end === this.cr && this.cr + 1 === this.nl ? 2 : 1);
    return line;
  }
}

// Spaces that pasting from web pages and CJK editors leaves in command lines (U+3000 after a
// prompt is in a real sample), and invisible marks (BOM, zero-width space).
const ODD_SPACES = /[\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000\ufeff]/g;
const HAS_ODD_SPACE = /[\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000\ufeff]/;

/** Trimmed line with odd spaces made plain and markdown quote marks (`> `) removed. */
export function cleanLine(line: string): string {
  // A (non-global, native) test is much cheaper than replace on the many lines without any.
  const t = (HAS_ODD_SPACE.test(line) ? line.replace(ODD_SPACES, ' ') : line).trim();
  if (t.charCodeAt(0) !== 62 /* > */) return t;
  // Markdown blockquote of pasted output ('> -A INPUT ...', '> > FWM 259 rr'); the ipvsadm
  // arrow '->' starts with '-' and is not touched.
  let i = 0;
  while (i < t.length) {
    const c = t.charCodeAt(i);
    if (c === 62 && (i + 1 === t.length || t.charCodeAt(i + 1) === 32 || t.charCodeAt(i + 1) === 62)) i++;
    else if (c === 32 && i > 0) i++;
    else break;
  }
  return t.slice(i);
}

/** Splits on runs of spaces and tabs. The input is already trimmed. */
export function words(t: string): string[] {
  return t.length === 0 ? [] : t.split(/[ \t]+/);
}

/**
 * Finds the whitespace-separated fields of t without copying them: field k is
 * t.slice(buf[2k], buf[2k+1]). Returns the field count, at most buf.length / 2 (the rest of a
 * longer line is ignored; callers size buf for the columns they read).
 */
export function fieldsInto(t: string, buf: Int32Array): number {
  const max = buf.length >> 1;
  const n = t.length;
  let k = 0;
  let i = 0;
  while (i < n && k < max) {
    let c = t.charCodeAt(i);
    while (c === 32 || c === 9) {
      if (++i >= n) return k;
      c = t.charCodeAt(i);
    }
    buf[2 * k] = i;
    while (i < n && (c = t.charCodeAt(i)) !== 32 && c !== 9) i++;
    buf[2 * k + 1] = i;
    k++;
  }
  return k;
}

/** Commands whose output, prompt or not, marks the end of the previous output. */
const COMMANDS = new Set([
  'iptables', 'iptables-save', 'iptables-legacy', 'iptables-legacy-save', 'iptables-nft', 'iptables-nft-save',
  'ip6tables', 'ip6tables-save', 'ip6tables-legacy', 'ip6tables-legacy-save', 'ip6tables-nft', 'ip6tables-nft-save',
  'ipvsadm', 'nsenter', 'docker', 'ip', 'dig', 'nslookup', 'host', 'cat', 'ls', 'll', 'sh', 'bash', 'ash',
  'kubectl', 'yum', 'dnf', 'apt', 'apt-get', 'apk', 'pkg', 'mkdir', 'ln', 'netstat', 'ss', 'curl', 'wget',
  'ping', 'echo', 'grep', 'conntrack', 'nft', 'tcpdump', 'exit', 'cd', 'export', 'journalctl', 'systemctl',
  'uname', 'lsmod', 'modprobe', 'less', 'more', 'tail', 'head', 'watch', 'ssh', 'nc', 'telnet',
]);

/** Commands that read network state; a `# cmd` line with one of these is a prompt even inside an
 *  iptables-save dump, where other `# words` lines are comments. */
const STRONG_COMMANDS = new Set([
  'iptables', 'iptables-save', 'iptables-legacy', 'iptables-legacy-save', 'iptables-nft', 'iptables-nft-save',
  'ip6tables', 'ip6tables-save', 'ipvsadm', 'nsenter', 'docker', 'dig', 'nslookup', 'cat', 'sudo', 'kubectl',
]);

const PREFIX_WORDS = new Set(['sudo', 'time', 'exec', 'command', 'env', 'nohup']);

export type LineKind =
  | { kind: 'blank' }
  /** Markdown fence, rst directive, HTML details tags, `[output]`: ends the current block. */
  | { kind: 'markup' }
  /** `...`, `[...snip...]`: an author's elision inside a block; the block goes on. */
  | { kind: 'elision' }
  /** A prompt with nothing after it (`#`, `~ #`, `user@host:~$`). */
  | { kind: 'prompt' }
  | { kind: 'command'; argv: string[] }
  /** Anything else: possibly data (the scanner asks the parsers). */
  | { kind: 'text' };

// Shared results for the argument-free kinds: classify runs once per line, so no allocation.
const BLANK: LineKind = Object.freeze({ kind: 'blank' });
const MARKUP: LineKind = Object.freeze({ kind: 'markup' });
const ELISION: LineKind = Object.freeze({ kind: 'elision' });
const PROMPT: LineKind = Object.freeze({ kind: 'prompt' });
const TEXT: LineKind = Object.freeze({ kind: 'text' });

function isMarkup(t: string): boolean {
  const c = t.charCodeAt(0);
  if (c === 96 /* ` */ || c === 126 /* ~ */) return t.startsWith('```') || t.startsWith('~~~');
  if (c === 46 /* . */) return t.startsWith('.. ') || t === '..';
  if (c === 60 /* < */) return /^<\/?(details|summary|pre|code)\b/i.test(t.slice(0, 12));
  if (c === 91 /* [ */) return t === '[output]' || t === '[Output]' || t === '[OUTPUT]';
  return t === '::';
}

function isElision(t: string): boolean {
  const c = t.charCodeAt(0);
  if (c === 46 /* . */) return t === '...' || t === '....';
  if (c === 0x2026) return t === '\u2026';
  if (c === 91 /* [ */) return t === '[...]' || t === '[snip]' || (t.startsWith('[...') && t.endsWith(']') && t.length < 40);
  return false;
}

/**
 * If t starts with a shell prompt (`# `, `$ `, `root@host:~# `, `[root@docker0 ~]# `,
 * `~ # `, `user@mac dir % `, `[root@docker0 ~] `), returns the index where the command after it
 * starts (t.length when nothing follows); otherwise -1. A prompt is short, ends with one of
 * # $ % > ] followed by a space (or the end), and has at most two spaces in it.
 */
function promptEnd(t: string): number {
  const limit = Math.min(t.length, 160);
  let spaces = 0;
  for (let i = 0; i < limit; i++) {
    const c = t.charCodeAt(i);
    if (c === 32 || c === 9) {
      if (++spaces > 2) return -1;
      continue;
    }
    // # $ % > ]
    if (c !== 35 && c !== 36 && c !== 37 && c !== 62 && c !== 93) continue;
    if (i + 1 === t.length) return t.length;
    const n = t.charCodeAt(i + 1);
    if (n === 32 || n === 9) {
      let j = i + 2;
      while (j < t.length && (t.charCodeAt(j) === 32 || t.charCodeAt(j) === 9)) j++;
      return j;
    }
  }
  return -1;
}

/** A prompt alone: '#', '$', '~ #', 'root@host:~#', 'vagrant@swarm-manager:~$', '[root@h ~]#'. */
function isBarePrompt(t: string): boolean {
  if (t.length > 80) return false;
  const last = t.charAt(t.length - 1);
  if (last !== '#' && last !== '$' && last !== '%' && last !== '>') return false;
  const body = t.slice(0, -1).trim();
  if (body.length === 0 || body === '~') return true;
  return /^(\[[^\]\s]*(\s[^\]\s]*)?\]|[\w.-]+@[\w.-]+(:\S*)?|[\w.-]+@[\w.-]+ [\w.~/-]+)$/.test(body);
}

const ENV_ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

function baseName(w: string): string {
  return w.slice(w.lastIndexOf('/') + 1);
}

/** Whether the first word of s (from index `from`) could start a command; cheap, no split. */
function mayBeCommand(s: string, from: number): boolean {
  // Commands start with a letter, '_', '/' or '.' (./x, /usr/sbin/x; '_' | 32 is 127); data rows
  // start with '-', digits, '['...
  const c = s.charCodeAt(from) | 32;
  if (!((c >= 97 && c <= 122) || c === 47 || c === 46 || c === 127)) return false;
  let end = from;
  while (end < s.length && s.charCodeAt(end) !== 32 && s.charCodeAt(end) !== 9) end++;
  const w = s.slice(from, end);
  return PREFIX_WORDS.has(w) || COMMANDS.has(baseName(w)) || ENV_ASSIGNMENT.test(w);
}

function commandWord(argv: string[]): string | null {
  for (let i = 0; i < argv.length && i < 4; i++) {
    const w = argv[i]!;
    if (PREFIX_WORDS.has(w) || ENV_ASSIGNMENT.test(w)) continue;
    const base = baseName(w);
    return COMMANDS.has(base) ? base : null;
  }
  return null;
}

function command(rest: string, hash: boolean, inSaveDump: boolean): LineKind | null {
  const argv = words(rest);
  const cmd = commandWord(argv);
  if (cmd === null) return null;
  let strong = STRONG_COMMANDS.has(cmd);
  for (let i = 0; !strong && i < argv.length; i++) strong = STRONG_COMMANDS.has(argv[i]!);
  if (inSaveDump && hash && !strong) return null;
  return { kind: 'command', argv };
}

/** Classifies one cleaned (trimmed) line. `inSaveDump` makes `# word` lines comments unless the
 *  word is a strong command (inside iptables-save, `# ...` is a comment). */
export function classify(t: string, inSaveDump = false): LineKind {
  if (t.length === 0) return BLANK;
  if (isMarkup(t)) return MARKUP;
  if (isElision(t)) return ELISION;
  const end = promptEnd(t);
  if (end >= 0) {
    if (end === t.length) {
      if (isBarePrompt(t)) return PROMPT;
    } else if (mayBeCommand(t, end)) {
      // The prompt character sits just before the spaces that end at `end`.
      let k = end - 1;
      while (k > 0 && (t.charCodeAt(k) === 32 || t.charCodeAt(k) === 9)) k--;
      const c = command(t.slice(end), t.charCodeAt(k) === 35, inSaveDump);
      if (c !== null) return c;
    }
  } else if (isBarePrompt(t)) {
    return PROMPT;
  }
  // A command typed without a prompt (common in markdown: "iptables -nvL -t nat" in a fence).
  const c0 = t.charCodeAt(0);
  if (c0 >= 97 && c0 <= 122 && mayBeCommand(t, 0)) {
    const c = command(t, false, false);
    if (c !== null) return c;
  }
  return TEXT;
}

/** What a command line tells about the output that follows it. */
export interface CommandHints {
  /** iptables / iptables-save: the table asked for (`-t x`; filter when listing without -t). */
  iptablesTable: string | null;
  /** ipvsadm: -n given (addresses, not names); -S/--save; `cat /proc/net/ip_vs` (hex). */
  ipvs: { numeric: boolean; save: boolean; proc: boolean } | null;
  /** dig / nslookup: the name asked and whether +short. */
  dns: { tool: 'dig' | 'nslookup'; name: string | null; type: string | null; short: boolean } | null;
}

export const NO_HINTS: CommandHints = Object.freeze({ iptablesTable: null, ipvs: null, dns: null }) as CommandHints;

const IPTABLES_RE = /^ip6?tables(-legacy|-nft)?(-save)?$/;
const RR_TYPES = new Set(['A', 'AAAA', 'CNAME', 'PTR', 'SRV', 'TXT', 'MX', 'NS', 'SOA', 'ANY', 'CAA']);

/** Reverse-lookup name of an IPv4 address, as dig -x asks it. */
function reverseName(ip: string): string {
  return ip.split('.').reverse().join('.') + '.in-addr.arpa';
}

function stripDot(s: string): string {
  return s.length > 1 && s.endsWith('.') ? s.slice(0, -1) : s;
}

function unquote(s: string): string {
  return s.replace(/^['"]|['"]$/g, '');
}

/** Reads the parts of a command line that matter for parsing what it printed. */
export function commandHints(argv: string[]): CommandHints {
  let iptablesTable: string | null = null;
  let ipvs: CommandHints['ipvs'] = null;
  let dns: CommandHints['dns'] = null;
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i]!;
    const base = w.slice(w.lastIndexOf('/') + 1);
    if (IPTABLES_RE.test(base)) {
      const save = base.endsWith('-save');
      let table: string | null = null;
      let lists = save;
      for (let j = i + 1; j < argv.length; j++) {
        const a = argv[j]!;
        if (a === '|' || a === ';' || a === '&&') break;
        if (a === '-t' || a === '--table') table = argv[j + 1] !== undefined ? unquote(argv[j + 1]!) : null;
        else if (a.startsWith('--table=')) table = a.slice(8);
        else if (a === '--list' || a === '--list-rules' || a === '-S') lists = true;
        else if (/^-[a-zA-Z]+$/.test(a) && /[LS]/.test(a)) lists = true;
        else if (/^-[a-zA-Z]*t[a-z]+$/.test(a) && !/[LS]/.test(a.slice(0, a.indexOf('t')))) {
          // '-tnat' glued form
          table = a.slice(a.indexOf('t') + 1);
        }
      }
      if (lists) iptablesTable = table !== null && /^[a-z]+$/.test(table) ? table : save ? null : 'filter';
      break;
    }
    if (base === 'ipvsadm') {
      let numeric = false;
      let isSave = false;
      for (let j = i + 1; j < argv.length; j++) {
        const a = argv[j]!;
        if (a === '|' || a === ';' || a === '&&') break;
        if (a === '--numeric') numeric = true;
        else if (a === '--save') isSave = true;
        else if (/^-[a-zA-Z]+$/.test(a)) {
          if (a.indexOf('n') >= 0) numeric = true;
          if (a.indexOf('S') >= 0) isSave = true;
        }
      }
      ipvs = { numeric, save: isSave, proc: false };
      break;
    }
    if (base === 'cat' || base === 'less' || base === 'more' || base === 'head' || base === 'tail') {
      if (argv.slice(i + 1).some((a) => a.endsWith('/proc/net/ip_vs'))) {
        ipvs = { numeric: true, save: false, proc: true };
        break;
      }
    }
    if (base === 'dig' || base === 'nslookup') {
      let name: string | null = null;
      let type: string | null = null;
      let short = false;
      let reverse = false;
      for (let j = i + 1; j < argv.length; j++) {
        const a = argv[j]!;
        if (a === '|' || a === ';' || a === '&&' || a === '2>&1') break;
        if (a === '+short') short = true;
        else if (a === '-x') reverse = true;
        else if (a === '-t' || a === '-p' || a === '-c' || a === '-q') {
          if (a === '-t' && argv[j + 1] !== undefined) type = argv[j + 1]!.toUpperCase();
          if (a === '-q' && argv[j + 1] !== undefined && name === null) name = stripDot(argv[j + 1]!);
          j++;
        } else if (a.startsWith('-type=') || a.startsWith('-query=') || a.startsWith('-q=')) {
          type = a.slice(a.indexOf('=') + 1).toUpperCase();
        } else if (a.startsWith('+') || a.startsWith('@') || a.startsWith('-')) continue;
        else if (RR_TYPES.has(a.toUpperCase()) && name !== null) type = a.toUpperCase();
        else if (a === 'IN') continue;
        else if (name === null) name = reverse ? reverseName(a) : stripDot(unquote(a));
        else if (base === 'nslookup') break; // the second word of nslookup is the server
      }
      dns = { tool: base, name, type, short };
      break;
    }
  }
  return { iptablesTable, ipvs, dns };
}
