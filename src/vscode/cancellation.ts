// VS Code cancels with CancellationTokens, core with AbortSignals: the one bridge between them.
import type * as vscode from 'vscode';
import { EngineError } from '../core/docker/errors';

/** What may cancel a piece of work: a token (a progress's Cancel, a provider's), an outer signal. */
export type CancelSource = vscode.CancellationToken | AbortSignal | undefined;

/** A signal that aborts as soon as any source is cancelled; dispose() unhooks it from them. */
export interface AbortLink extends vscode.Disposable {
  readonly signal: AbortSignal;
}

export function linkAbort(...sources: readonly CancelSource[]): AbortLink {
  const controller = new AbortController();
  const abort = () => controller.abort();
  const unhook: (() => void)[] = [];
  for (const source of sources) {
    if (!source) continue;
    if ('onCancellationRequested' in source) {
      if (source.isCancellationRequested) abort();
      const listener = source.onCancellationRequested(abort);
      unhook.push(() => listener.dispose());
    } else {
      if (source.aborted) abort();
      source.addEventListener('abort', abort, { once: true });
      unhook.push(() => source.removeEventListener('abort', abort));
    }
  }
  return { signal: controller.signal, dispose: () => unhook.splice(0).forEach((u) => u()) };
}

/** Runs `work` with a signal linked to `sources`, unhooked when it settles. */
export async function withAbort<T>(sources: readonly CancelSource[], work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const link = linkAbort(...sources);
  try {
    return await work(link.signal);
  } finally {
    link.dispose();
  }
}

/** As withAbort, but a cancelled run (the signal aborted, or core said `cancelled`) is undefined, not an error. */
export function unlessCancelled<T>(sources: readonly CancelSource[], work: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
  return withAbort(sources, async (signal) => {
    try {
      return await work(signal);
    } catch (err) {
      if (signal.aborted || (err instanceof EngineError && err.kind === 'cancelled')) return undefined;
      throw err;
    }
  });
}
