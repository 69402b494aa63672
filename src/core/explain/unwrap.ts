/**
 * Rejoins iptables rule lines that a terminal or a mail client broke in two. Without this a
 * wrapped `--set-xmark 0x10` / `3/0xffffffff` reads as mark 0x10, a wrong fact stated with
 * confidence. Only joins where the second line cannot be a line of its own: in iptables-save
 * every line starts with `-A`, `:`, `*`, `#`, `[` or COMMIT; in -nvL every row has the opt
 * column (`--`). Anything else is left alone (and explain warns about it).
 */
import type { LineJoiner } from '../parse/scan';

const SAVE_RULE = /^(\[\d+:\d+\]\s+)?-[AI]\s+\S/;
// -nvL row: optional line number, counters, target, prot, opt `--` (or a non-verbose row).
const LIST_ROW = /^(\d+\s+)?(\d+[KMGTP]?\s+\d+[KMGTP]?\s+)?\S+\s+\S+\s+(--|-f|!f)\s/;
// Options a save line's rest can start with (never `-A`/`-I`/`-N`/`-P`: those start lines).
const SAVE_CONTINUES = /^(--[a-z]|-[sdpiojgm]\s|!\s)/;
// Lines that start another format even if they come right after a rule.
const OTHER_START = /^(COMMIT|Chain\s|IP Virtual|Prot\s|FWM\s|TCP\s|UDP\s|SCTP\s|->|pkts\s|num\s|target\s|Server:|Name:|Address|Non-authoritative|[-:*#[;{}"<]|\d+\s+\d)/;
// Words that begin a new field of an -nvL row's tail: the break was between words.
const LIST_WORDS = /^(MARK|tcp|udp|sctp|ipvs|ctstate|state|ADDRTYPE|multiport|mark|to:|redir|masq|\/\*|reject-with|match-set)\b/;
// A last word that takes a value: the break was after it, between words.
const TAKES_VALUE = /(^|\s)(-{1,2}[a-z][a-z-]*|!|set|xset|match|dst-type|src-type|ports:?|ctstate|state)$/;

function isSaveRule(t: string): boolean {
  return SAVE_RULE.test(t);
}

function isListRow(t: string): boolean {
  return LIST_ROW.test(t);
}

// Rule syntax only: prose has quotes, parentheses, sentence punctuation.
const RULE_WORD = /^[\w./:,!*+="-]+$/;
// Terminals are at least this wide, so a line they wrapped is at least this long.
const MIN_WRAPPED = 60;

/** Whether next is the wrapped rest of line (of the given kind of rule line). */
function continues(save: boolean, line: string, rawLine: string, next: string): boolean {
  // The line must look cut: an option without its value, or as long as a terminal is wide.
  if (!TAKES_VALUE.test(line) && rawLine.trimEnd().length < MIN_WRAPPED) return false;
  if (save && SAVE_CONTINUES.test(next)) return true;
  if (OTHER_START.test(next) || /[.:?]$/.test(next)) return false;
  const words = next.split(/\s+/);
  // A wrapped tail is short; a longer line is more likely prose than a rule's rest.
  if (words.length > 4 || words.indexOf('--') >= 0 || !words.every((w) => RULE_WORD.test(w))) return false;
  // A rule's rest has a value in it (digits, an address, a quote) or is a cut word's end
  // (`rk`); plain words ("see below") are prose.
  return /[0-9:/"*,]/.test(next) || (words.length === 1 && next.length <= 4);
}

// Long options of the rules Docker writes: `--set-xma` + `rk` is one word cut, not two.
const OPTIONS = new Set([
  '--set-xmark', '--set-mark', '--dport', '--sport', '--dports', '--to-destination', '--to-source', '--to-ports',
  '--comment', '--ctstate', '--state', '--dst-type', '--src-type', '--ipvs', '--match-set', '--destination',
  '--source', '--protocol', '--jump', '--in-interface', '--out-interface', '--match', '--vaddr', '--vport',
]);

/** Between words (a space) or inside one (a hard wrap at the terminal's width, no space). */
function separator(line: string, next: string, rawLine: string, rawNext: string): string {
  if (/\s$/.test(rawLine) || /^\s/.test(rawNext)) return ' ';
  const last = line.slice(line.lastIndexOf(' ') + 1);
  const first = next.split(' ', 1)[0]!;
  if (last.startsWith('--') && !OPTIONS.has(last) && OPTIONS.has(last + first)) return '';
  if (next.charCodeAt(0) === 45 /* - */ || next.charCodeAt(0) === 33 /* ! */) return ' ';
  if (LIST_WORDS.test(next) || TAKES_VALUE.test(line)) return ' ';
  return '';
}

export const ruleUnwrapper: LineJoiner = {
  mayWrap: (t) => {
    const c = t.charCodeAt(0);
    return (c === 45 || c === 91 || (c >= 48 && c <= 57) || (c >= 65 && c <= 90)) && (isSaveRule(t) || isListRow(t));
  },
  join: (line, next, rawLine, rawNext) => {
    if (!continues(isSaveRule(line), line, rawLine, next)) return null;
    return line + separator(line, next, rawLine, rawNext) + next;
  },
};
