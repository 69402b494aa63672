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
import { classify, cleanLine, commandHints, LineCursor, NO_HINTS, type CommandHints } from './lines';

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
  /** Repairs a raw line before anything reads it (explain removes terminal colour codes). */
  prepare?(line: string, lineNo: number): string;
  /** Each block once it is finished. When given, blocks are handed over here and not kept in
   *  the result, so a caller can read each block's facts and let its parser go (memory stays
   *  proportional to the facts, not to the rules of a huge paste). */
  onBlock?(block: ScannedBlock): void;
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
  const lines = new LineCursor(typeof text === 'string' ? text : '');
  const blocks: ScannedBlock[] = [];
  let skipped = 0;
  let hints: CommandHints = NO_HINTS;
  let current: ScannedBlock | null = null;
  let lastTaken = 0;
  const { onSkip, onAside, unwrap, onJoin, prepare, onBlock } = options;

  const close = (): void => {
    if (current === null) return;
    const done = current;
    current = null;
    try {
      done.parser.finish();
    } catch (e) {
      // A finishing bug must not lose the other blocks.
      report(e);
    }
    try {
      if (onBlock !== undefined) onBlock(done);
    } catch (e) {
      report(e); // as for finish: a reading bug costs that block
    }
  };

  // The number of the line read next: a joined line keeps its first line's number.
  let nextNo = 1;
  for (let raw = lines.next(); raw !== null; raw = lines.next()) {
    const lineNo = nextNo++;
    let t: string;
    let kind;
    try {
      if (prepare !== undefined) raw = prepare(raw, lineNo);
      t = cleanLine(raw);
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
    if (unwrap !== undefined && lines.peek() !== null && unwrap.mayWrap(t)) {
      try {
        const rawNext = prepare === undefined ? lines.peek()! : prepare(lines.peek()!, lineNo + 1);
        const joined = joinNext(raw, rawNext, t, unwrap);
        if (joined !== null) {
          t = joined;
          lines.next();
          nextNo++;
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
          if (onBlock === undefined) blocks.push(block);
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

/** The joined line when the next line is plain text that `join` reads as the wrapped rest of t. */
function joinNext(raw: string, rawNext: string, t: string, unwrap: LineJoiner): string | null {
  const next = cleanLine(rawNext);
  if (next.length === 0 || classify(next).kind !== 'text') return null;
  return unwrap.join(t, next, raw, rawNext);
}
