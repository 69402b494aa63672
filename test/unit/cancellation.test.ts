// The one bridge from VS Code's cancellation tokens to core's AbortSignals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkAbort, unlessCancelled, withAbort } from '../../src/vscode/cancellation';
import { EngineError } from '../../src/core/docker/errors';

/** A CancellationTokenSource's token, as far as the bridge uses one. */
function fakeToken() {
  const listeners = new Set<() => void>();
  const token = {
    isCancellationRequested: false,
    onCancellationRequested(listener: () => void) {
      listeners.add(listener);
      return { dispose: () => listeners.delete(listener) };
    },
  };
  const cancel = () => {
    token.isCancellationRequested = true;
    for (const l of [...listeners]) l();
  };
  return { token: token as never, cancel, listeners };
}

test('linkAbort: any token or signal aborts the one signal; dispose unhooks from all of them', () => {
  const a = fakeToken();
  const outer = new AbortController();
  const link = linkAbort(a.token, undefined, outer.signal);
  assert.equal(link.signal.aborted, false);
  outer.abort();
  assert.equal(link.signal.aborted, true);

  const b = fakeToken();
  const second = linkAbort(b.token);
  assert.equal(b.listeners.size, 1);
  second.dispose();
  assert.equal(b.listeners.size, 0);
  b.cancel();
  assert.equal(second.signal.aborted, false, 'unhooked: a later cancel does not reach it');

  const early = fakeToken();
  early.cancel();
  assert.equal(linkAbort(early.token).signal.aborted, true, 'a source cancelled before linking aborts at once');
});

test('withAbort unhooks when the work settles; unlessCancelled turns a cancelled run into undefined', async () => {
  const t = fakeToken();
  assert.equal(await withAbort([t.token], async () => 7), 7);
  assert.equal(t.listeners.size, 0);

  const c = fakeToken();
  const cancelled = unlessCancelled([c.token], (signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))));
  c.cancel();
  assert.equal(await cancelled, undefined);
  assert.equal(await unlessCancelled([], () => Promise.reject(new EngineError('cancelled', 'Cancelled.', 'x'))), undefined);
  await assert.rejects(unlessCancelled([], () => Promise.reject(new EngineError('api', 'broken', 'x'))), /broken/);
});
