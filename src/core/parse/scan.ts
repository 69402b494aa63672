/**
 * The one loop every parser runs on: split the text once, classify each line, and route data
 * lines to the parser of the block they belong to. A standalone parser (parseIptablesSave, ...)
 * runs it with its own format only; the dump splitter (explain) runs it with all of them.
 *
 * Why a shared loop: the same pasted text (prompts, fences, prose) reaches every parser, and each
 * must treat it the same way; and each line is looked at a bounded number of times, which keeps
 * every parser linear in its input.
 */
import type { DumpBlock, DumpFormat } from './types';
import { classify, cleanLine, commandHints, NO_HINTS, splitLines, type CommandHints } from './lines';

/** A parser for one contiguous block of one format. */
export interface BlockParser {
  /** Offers a data line; returns true when the line belongs to this block (it was used or is
   *  known syntax of this format), false to let the scanner look for another format. */
  feed(t: string, lineNo: number): boolean;
  /** A blank line inside the block (iptables -nvL separates chains with them). */
  blank(): void;
  /** The block ended (another format, a command, a fence, or the end of the text). */
  finish(): void;
  /** A line inside the block that no format understood (prose between pasted pieces). */
  interrupted?(): void;
  /** True while the line would be read as a comment by this block (iptables-save `#`). */
  readonly commentsHash?: boolean;
}

export interface BlockFactory<P extends BlockParser = BlockParser> {
  format: DumpFormat;
  /** Whether this line can begin a block of the format (only asked when no open block took it). */
  starts(t: string, hints: CommandHints): boolean;
  create(hints: CommandHints): P;
}

export interface ScannedBlock<P extends BlockParser = BlockParser> extends DumpBlock {
  parser: P;
}

/** For tests: the safety nets below swallow exceptions (a bug costs a line, never the parse);
 *  a test can set onError to see them and assert there are none. */
export const scanHooks: { onError: ((e: unknown) => void) | null } = { onError: null };

function report(e: unknown): void {
  if (scanHooks.onError !== null) scanHooks.onError(e);
}

export interface ScanResult {
  blocks: ScannedBlock[];
  skippedLines: number;
}

/** What the dump splitter wants to see besides the blocks; standalone parsers pass nothing. */
export interface ScanOptions {
  /** A line no block took; `afterData` when the line before it was taken by a block (so it may
   *  be the rest of a line a terminal wrapped). */
  onSkip?(lineNo: number, line: string, afterData: boolean): void;
  /** A prompt, command or markup line (they may name the host the next output comes from). */
  onAside?(lineNo: number, line: string): void;
  /** Joins a data line with the next one when the next is its wrapped rest; the joined line
   *  keeps the first line's number and onJoin is told. */
  unwrap?: LineJoiner;
  onJoin?(lineNo: number): void;
}

export interface LineJoiner {
  /** Cheap test: could this line have been wrapped (only then is the next line looked at)? */
  mayWrap(line: string): boolean;
  /** The joined line, or null when next is not the rest of line. Raw lines keep their spaces. */
  join(line: string, next: string, rawLine: string, rawNext: string): string | null;
}

/**
 * Runs the factories over the text. Lines that no block takes and no format starts are counted in
 * skippedLines; prompts, commands, fences, rst directives, elisions and blank lines are not.
 * A parser that throws on a line (a bug) costs that line, never the whole parse.
 */
export function scan(text: string, factories: readonly BlockFactory[], options: ScanOptions = {}): ScanResult {
  const lines = splitLines(typeof text === 'string' ? text : '');
  const blocks: ScannedBlock[] = [];
  let skipped = 0;
  let hints: CommandHints = NO_HINTS;
  let current: ScannedBlock | null = null;
  let lastTaken = 0;
  const { onSkip, onAside, unwrap, onJoin } = options;

  const close = (): void => {
    if (current === null) return;
    try {
      current.parser.finish();
    } catch (e) {
      // A finishing bug must not lose the other blocks.
      report(e);
    }
    current = null;
  };

  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let t: string;
    let kind;
    try {
      t = cleanLine(lines[i]!);
      kind = classify(t, current !== null && current.parser.commentsHash === true);
    } catch (e) {
      report(e);
      skipped++;
      continue;
    }
    switch (kind.kind) {
      case 'blank':
        try {
          if (current !== null) current.parser.blank();
        } catch (e) {
          report(e); // as for feed
        }
        continue;
      case 'elision':
        continue;
      case 'markup':
      case 'prompt':
        close();
        if (onAside !== undefined) onAside(lineNo, t);
        continue;
      case 'command':
        close();
        if (onAside !== undefined) onAside(lineNo, t);
        try {
          hints = commandHints(kind.argv);
        } catch (e) {
          report(e);
          hints = NO_HINTS;
        }
        continue;
      case 'text':
        break;
    }
    if (unwrap !== undefined && i + 1 < lines.length && unwrap.mayWrap(t)) {
      try {
        const joined = joinNext(lines, i, t, unwrap);
        if (joined !== null) {
          t = joined;
          i++;
          if (onJoin !== undefined) onJoin(lineNo);
        }
      } catch (e) {
        report(e); // a bug in the joiner costs the join, not the line
      }
    }
    let taken = false;
    try {
      const cur = current as ScannedBlock | null;
      if (cur !== null && cur.parser.feed(t, lineNo)) {
        cur.endLine = lineNo;
        taken = true;
      } else {
        for (const f of factories) {
          if (!f.starts(t, hints)) continue;
          close();
          const block: ScannedBlock = { format: f.format, startLine: lineNo, endLine: lineNo, parser: f.create(hints) };
          blocks.push(block);
          current = block;
          taken = block.parser.feed(t, lineNo);
          break;
        }
      }
    } catch (e) {
      report(e);
      taken = false;
    }
    if (taken) lastTaken = lineNo;
    else {
      skipped++;
      const cur = current as ScannedBlock | null;
      try {
        if (cur !== null && cur.parser.interrupted !== undefined) cur.parser.interrupted();
      } catch (e) {
        report(e); // as for feed: a bug costs the line, not the parse
      }
      if (onSkip !== undefined) onSkip(lineNo, t, lastTaken === lineNo - 1 && lineNo > 1);
    }
  }
  close();
  return { blocks, skippedLines: skipped };
}

/** The joined line when line i+1 is plain text that `join` reads as the wrapped rest of t. */
function joinNext(lines: string[], i: number, t: string, unwrap: LineJoiner): string | null {
  const rawNext = lines[i + 1]!;
  const next = cleanLine(rawNext);
  if (next.length === 0 || classify(next).kind !== 'text') return null;
  return unwrap.join(t, next, lines[i]!, rawNext);
}
