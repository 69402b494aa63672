// The extension side's Disposable base: what an object registers goes with it, newest first, once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Disposable, toDisposable } from '../../src/vscode/lifecycle';

class Owner extends Disposable {
  add(name: string, log: string[]) {
    return this.register(toDisposable(() => log.push(name)));
  }
  get gone() {
    return this.isDisposed;
  }
}

test('Disposable: registered parts go newest first, once; one registered afterwards goes at once', () => {
  const log: string[] = [];
  const owner = new Owner();
  owner.add('listener', log);
  owner.add('panel', log);
  assert.deepEqual(log, []);
  owner.dispose();
  owner.dispose();
  assert.deepEqual(log, ['panel', 'listener']);
  assert.equal(owner.gone, true);
  owner.add('late', log);
  assert.deepEqual(log, ['panel', 'listener', 'late']);
});
