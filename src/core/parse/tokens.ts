/**
 * Shell-like word splitting for iptables-save and ipvsadm -S lines: whitespace separates words,
 * double quotes group (iptables-save quotes `--comment "two words"`), backslash escapes inside
 * quotes. An unquoted `#` word ends the line: authors append notes to pasted rules
 * (`-j SNAT --to-source 10.0.0.39 # another IP on lb_x`), and iptables never prints one.
 * One pass over the characters, no regex, so any input is linear.
 */
export function tokenize(line: string): string[] {
  const out: string[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    let c = line.charCodeAt(i);
    if (c === 32 || c === 9) {
      i++;
      continue;
    }
    if (c === 35 /* # */) break;
    // Fast path: a word without quotes is one slice.
    const start = i;
    while (i < n) {
      c = line.charCodeAt(i);
      if (c === 32 || c === 9 || c === 34) break;
      i++;
    }
    if (i >= n || c !== 34) {
      out.push(line.slice(start, i));
      continue;
    }
    i = start;
    let word = '';
    let quoted = false;
    while (i < n) {
      c = line.charCodeAt(i);
      if (!quoted && (c === 32 || c === 9)) break;
      if (c === 34 /* " */) {
        quoted = !quoted;
        i++;
        continue;
      }
      if (quoted && c === 92 /* \ */ && i + 1 < n) {
        word += line.charAt(i + 1);
        i += 2;
        continue;
      }
      word += line.charAt(i);
      i++;
    }
    out.push(word);
  }
  return out;
}

/**
 * The same word splitting as tokenize, as a cursor: a word is a [ts, te) range of the line and
 * is only copied out (text()) when the parser keeps it. Large iptables-save dumps are mostly
 * option names the parser compares and drops; not allocating them halves the parse time.
 */
export class Lexer {
  s = '';
  pos = 0;
  end = 0;
  ts = 0;
  te = 0;
  /** The word's text when it had quotes (then ts/te span the raw word). */
  private quoted: string | null = null;

  reset(s: string, from: number, to: number): void {
    this.s = s;
    this.pos = from;
    this.end = to;
    this.ts = this.te = from;
    this.quoted = null;
  }

  /** Moves to the next word; false at the end of the line or at an unquoted `#` word. */
  next(): boolean {
    const s = this.s;
    const n = this.end;
    let i = this.pos;
    let c = 0;
    while (i < n) {
      c = s.charCodeAt(i);
      if (c !== 32 && c !== 9) break;
      i++;
    }
    if (i >= n || c === 35 /* # */) {
      this.pos = n;
      return false;
    }
    this.ts = i;
    this.quoted = null;
    while (i < n) {
      c = s.charCodeAt(i);
      if (c === 32 || c === 9) break;
      if (c === 34 /* " */) {
        i = this.readQuoted(this.ts);
        break;
      }
      i++;
    }
    this.te = i;
    this.pos = i;
    return true;
  }

  private readQuoted(from: number): number {
    // Copies the unquoted runs between quotes and escapes as slices, not char by char.
    const s = this.s;
    const n = this.end;
    let word = '';
    let quoted = false;
    let i = from;
    let run = from;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (!quoted && (c === 32 || c === 9)) break;
      if (c === 34) {
        word += s.slice(run, i);
        quoted = !quoted;
        run = ++i;
        continue;
      }
      if (quoted && c === 92 /* \ */ && i + 1 < n) {
        word += s.slice(run, i) + s.charAt(i + 1);
        i += 2;
        run = i;
        continue;
      }
      i++;
    }
    this.quoted = word + s.slice(run, i);
    return i;
  }

  /** Whether the current word is exactly lit (quoted words never match). */
  is(lit: string): boolean {
    return this.quoted === null && this.te - this.ts === lit.length && this.s.startsWith(lit, this.ts);
  }

  text(): string {
    return this.quoted ?? this.s.slice(this.ts, this.te);
  }

  /** First character code of the current word. */
  first(): number {
    return this.quoted !== null ? this.quoted.charCodeAt(0) : this.s.charCodeAt(this.ts);
  }

  /** Whether the next word (not consumed) is an option (`-x`, `--x`, `!`) or there is none. */
  peekOption(): boolean {
    const s = this.s;
    const n = this.end;
    let i = this.pos;
    while (i < n && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i++;
    if (i >= n) return true;
    const c = s.charCodeAt(i);
    const d = i + 1 < n ? s.charCodeAt(i + 1) : 32;
    if (c === 35 /* # */) return true;
    if (c === 33 /* ! */) return d === 32 || d === 9;
    // `-x`/`--x`, but not a negative number or a lone '-'.
    return c === 45 && d !== 32 && d !== 9 && !(d >= 48 && d <= 57);
  }
}

/** Returns the entry of `known` equal to s[a, b) without copying, else the copy. Keeps thousands
 *  of rules from each holding their own copy of 'INPUT', 'MARK', 'dport'. */
export function internAt(s: string, a: number, b: number, known: readonly string[]): string {
  const len = b - a;
  for (const k of known) if (k.length === len && s.startsWith(k, a)) return k;
  return s.slice(a, b);
}
