/**
 * What copying a dump does to its bytes, undone before any parser sees them: UTF-16 from
 * PowerShell's `>` redirection (with or without a byte order mark), and terminal colour codes
 * (`grep --color`, `ip -c`, coloured prompts) that split a mark value or a keyword. Each repair
 * is reported, so explain can say what it changed.
 */
import type { ExplainWarning } from './types';

/** Bytes -> text: UTF-16 LE/BE by BOM (or by the NULs of ASCII text without one), else UTF-8. */
export function decodeDump(bytes: Uint8Array): { text: string; warnings: ExplainWarning[] } {
  const warnings: ExplainWarning[] = [];
  const b0 = bytes[0];
  const b1 = bytes[1];
  let encoding: 'utf-16le' | 'utf-16be' | 'utf-8' = 'utf-8';
  if (b0 === 0xff && b1 === 0xfe) encoding = 'utf-16le';
  else if (b0 === 0xfe && b1 === 0xff) encoding = 'utf-16be';
  else {
    const guess = utf16WithoutBom(bytes);
    if (guess !== null) {
      encoding = guess;
      warnings.push(warning('encoding', null, `The input has no byte order mark but its NUL bytes say ${guess.toUpperCase()}; it was read as such.`));
    }
  }
  if (encoding !== 'utf-8' && warnings.length === 0) {
    warnings.push(warning('encoding', null, `The input is ${encoding.toUpperCase()} (as PowerShell's > writes it); it was decoded.`));
  }
  // TextDecoder drops the BOM and replaces invalid sequences: hostile bytes never throw.
  const text = new TextDecoder(encoding).decode(bytes);
  return { text, warnings };
}

/** ASCII text saved as UTF-16 has a NUL in every other byte; utf-8 text has none. */
function utf16WithoutBom(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | null {
  const n = Math.min(bytes.length, 4096) & ~1;
  if (n < 4) return null;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenNul++;
    if (bytes[i + 1] === 0) oddNul++;
  }
  const pairs = n / 2;
  if (oddNul > pairs * 0.6 && evenNul < pairs * 0.05) return 'utf-16le';
  if (evenNul > pairs * 0.6 && oddNul < pairs * 0.05) return 'utf-16be';
  return null;
}

// CSI (ESC [ ... final byte), OSC (ESC ] ... BEL or ESC \), other two-byte ESC sequences, the same
// with the ESC shown as `^[` (copied from `cat -v` or less), and the C1 CSI character.
const ANSI = /(?:\x1b|\^\[)\[[0-?]*[ -/]*[@-~]|(?:\x1b|\^\[)\][^\x07\x1b\n]{0,512}(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]|\x9b[0-?]*[ -/]*[@-~]/g;
// grep --color's sequence after the ESC was lost on the way: `[01;31m[K` ... `[m[K`.
const BARE_GREP = /\[(?:\d{1,3}(?:;\d{1,3})*)?m\[K/g;

/** What a terminal-code remover reports: how many were removed, the line of the first. */
export interface TerminalCodes {
  /** The line without colour and control sequences (the same string when it has none). */
  line(raw: string, lineNo: number): string;
  warnings(): ExplainWarning[];
}

/**
 * Removes terminal colour and control sequences line by line (no sequence spans a line), so a
 * huge paste is never copied whole: lines without any are passed on as they are. One native
 * scan of the whole text decides whether any line needs looking at.
 */
export function terminalCodes(text: string): TerminalCodes {
  const hasAnsi = text.indexOf('\x1b') >= 0 || text.indexOf('^[') >= 0 || text.indexOf('\x9b') >= 0;
  const hasBare = text.indexOf('m[K') >= 0;
  let count = 0;
  let firstLine = 0;
  // A line may be offered twice (looked ahead at for a join, then read): count it once.
  let lastCounted = 0;
  const remove = (s: string, re: RegExp, lineNo: number): string =>
    s.replace(re, () => {
      if (lineNo > lastCounted && count++ === 0) firstLine = lineNo;
      return '';
    });
  return {
    line(raw, lineNo) {
      if (!hasAnsi && !hasBare) return raw;
      let out = raw;
      if (hasAnsi && (out.indexOf('\x1b') >= 0 || out.indexOf('^[') >= 0 || out.indexOf('\x9b') >= 0)) out = remove(out, ANSI, lineNo);
      if (hasBare && out.indexOf('m[K') >= 0) out = remove(out, BARE_GREP, lineNo);
      if (lineNo > lastCounted) lastCounted = lineNo;
      return out;
    },
    warnings() {
      if (count === 0) return [];
      return [warning('colour-codes', firstLine, `Terminal colour codes were removed before reading (${count}, the first on line ${firstLine}); paste without --color to be sure nothing else was lost.`)];
    },
  };
}

/**
 * UTF-16 text that reached us as a string read as 8-bit (NULs between the letters, a mangled
 * BOM): the NULs are dropped when they are most of every other character.
 */
export function dropUtf16Nuls(text: string): { text: string; warnings: ExplainWarning[] } {
  if (text.indexOf('\u0000') < 0) return { text, warnings: [] };
  const n = Math.min(text.length, 4096);
  let nuls = 0;
  for (let i = 0; i < n; i++) if (text.charCodeAt(i) === 0) nuls++;
  if (nuls < n * 0.3) return { text, warnings: [] };
  const out = text.replace(/\u0000/g, '').replace(/^(\ufffd\ufffd|\u00ff\u00fe|\u00fe\u00ff)/, '');
  return { text: out, warnings: [warning('encoding', null, 'The text looks like UTF-16 read as 8-bit text (a NUL between the letters); the NULs were dropped. Save it as UTF-8 to be sure.')] };
}

export function warning(code: ExplainWarning['code'], line: number | null, message: string): ExplainWarning {
  return { code, line, message };
}
